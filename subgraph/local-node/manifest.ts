/**
 * Loads a subgraph the way graph-node does from IPFS, but from a `graph build` output folder (or a
 * manifest path inside one): the manifest, the schema, each mapping's compiled WASM and its ABIs.
 * Everything the node cannot run is refused here, with the reason, before any block is indexed:
 * unsupported data source kinds, call handlers, mapping API versions, missing handler exports and
 * host functions the node does not implement.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventFragment, Interface, type InterfaceAbi } from 'ethers';
import { parse as parseYaml } from 'yaml';
import { checkHostImports } from './wasm/host-functions';
import { exportMutableGlobals } from './wasm/export-globals';
import { ValueKind, type EntityData, type Value } from './store/types';

export class ManifestError extends Error {
  override name = 'ManifestError';
}

export interface EventHandlerSpec {
  /** The manifest's event signature, e.g. `Transfer(indexed address,indexed address,uint256)`. */
  event: string;
  handler: string;
  receipt: boolean;
  topic0: string;
  /** topic1..topic3 filters: each null (any) or the accepted 32-byte values, lower-case hex. */
  topicFilters: [string[] | null, string[] | null, string[] | null];
  fragment: EventFragment;
}

export type BlockHandlerFilter = { kind: 'every' } | { kind: 'polling'; every: number } | { kind: 'once' };

export interface BlockHandlerSpec {
  handler: string;
  filter: BlockHandlerFilter;
}

export interface MappingSpec {
  apiVersion: string;
  /** Absolute path of the compiled mapping. */
  file: string;
  module: WebAssembly.Module;
  /** Export names under which the module's mutable globals were exported (see export-globals.ts). */
  globalExports: string[];
  /** ABIs by name, as the mapping refers to them in `ethereum.call`. */
  abis: Map<string, Interface>;
  eventHandlers: EventHandlerSpec[];
  blockHandlers: BlockHandlerSpec[];
}

/** A data source of the manifest, or a template (which has no address and no start block). */
export interface DataSourceSpec {
  name: string;
  network: string;
  /** Lower-case address, or null when the data source matches every address. */
  address: string | null;
  startBlock: number;
  endBlock: number | null;
  abi: string;
  /** The manifest's `context:` entries (specVersion >= 0.0.8), if any. */
  context: EntityData | null;
  mapping: MappingSpec;
}

export interface SubgraphManifest {
  /** The manifest file. */
  file: string;
  specVersion: string;
  schemaSdl: string;
  dataSources: DataSourceSpec[];
  templates: DataSourceSpec[];
}

const SUPPORTED_API_VERSIONS = ['0.0.5', '0.0.6', '0.0.7', '0.0.8', '0.0.9'];

type Yaml = Record<string, unknown>;

function asObject(value: unknown, where: string): Yaml {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ManifestError(`${where} must be a mapping (object) in the manifest`);
  }
  return value as Yaml;
}

function asArray(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ManifestError(`${where} must be a list in the manifest`);
  return value;
}

function asString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw new ManifestError(`${where} must be a non-empty string`);
  return value;
}

/** Resolves a build folder or a manifest path to the manifest file. */
export function resolveManifestPath(buildOrManifest: string): string {
  const target = path.resolve(buildOrManifest);
  if (!fs.existsSync(target)) {
    throw new ManifestError(`${target} does not exist; pass a \`graph build\` output folder or its subgraph.yaml`);
  }
  if (fs.statSync(target).isDirectory()) {
    const file = path.join(target, 'subgraph.yaml');
    if (!fs.existsSync(file)) {
      throw new ManifestError(`${target} has no subgraph.yaml; pass the folder \`graph build\` wrote (usually build/)`);
    }
    return file;
  }
  return target;
}

function normaliseSignature(signature: string): string {
  return signature.replace(/\s+/g, ' ').replace(/\s*([(),])\s*/g, '$1').trim();
}

function eventSignatureWithIndexed(fragment: EventFragment): string {
  const params = fragment.inputs.map((input) => `${input.indexed ? 'indexed ' : ''}${input.format('sighash')}`);
  return `${fragment.name}(${params.join(',')})`;
}

function readAbi(file: string, where: string): Interface {
  if (!fs.existsSync(file)) throw new ManifestError(`${where}: ABI file ${file} does not exist`);
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  const abi = Array.isArray(json) ? json : (json as { abi?: unknown }).abi;
  if (!Array.isArray(abi)) throw new ManifestError(`${where}: ${file} is neither an ABI array nor an artifact with "abi"`);
  return new Interface(abi as InterfaceAbi);
}

function topicValues(value: unknown, where: string): string[] | null {
  if (value === undefined || value === null) return null;
  return asArray(value, where).map((item) => {
    const text = String(item).toLowerCase();
    if (!/^0x[0-9a-f]{1,64}$/.test(text)) throw new ManifestError(`${where}: "${String(item)}" is not a hex topic value`);
    return `0x${text.slice(2).padStart(64, '0')}`;
  });
}

function parseContext(value: unknown, where: string): EntityData | null {
  if (value === undefined || value === null) return null;
  const entries = asObject(value, where);
  const data: EntityData = new Map();
  const convert = (entry: unknown, at: string): Value => {
    const { type, data: raw } = asObject(entry, at);
    switch (type) {
      case 'Bool':
        return { kind: ValueKind.Bool, value: Boolean(raw) };
      case 'String':
        return { kind: ValueKind.String, value: String(raw) };
      case 'Int':
        return { kind: ValueKind.Int, value: Number(raw) };
      case 'Int8':
        return { kind: ValueKind.Int8, value: BigInt(String(raw)) };
      case 'BigInt':
        return { kind: ValueKind.BigInt, value: BigInt(String(raw)) };
      case 'BigDecimal':
        return { kind: ValueKind.BigDecimal, value: String(raw) };
      case 'Bytes':
        return { kind: ValueKind.Bytes, value: Buffer.from(String(raw).replace(/^0x/, ''), 'hex') };
      case 'List':
        return { kind: ValueKind.Array, value: asArray(raw, at).map((item, i) => convert(item, `${at}[${i}]`)) };
      default:
        throw new ManifestError(`${at}: context type ${String(type)} is not one of Bool, String, Int, Int8, BigInt, BigDecimal, Bytes, List`);
    }
  };
  for (const [key, entry] of Object.entries(entries)) data.set(key, convert(entry, `${where}.${key}`));
  return data;
}

const moduleCache = new Map<string, { module: WebAssembly.Module; globalExports: string[] }>();

function loadModule(file: string, where: string): { module: WebAssembly.Module; globalExports: string[] } {
  const cached = moduleCache.get(file);
  if (cached) return cached;
  if (!fs.existsSync(file)) throw new ManifestError(`${where}: mapping file ${file} does not exist`);
  if (!file.endsWith('.wasm')) {
    throw new ManifestError(
      `${where}: mapping file ${file} is not WASM; this looks like a source manifest. Run \`graph codegen && graph build\` and pass the build folder.`,
    );
  }
  let loaded: { module: WebAssembly.Module; globalExports: string[] };
  try {
    const { binary, names } = exportMutableGlobals(fs.readFileSync(file));
    loaded = { module: new WebAssembly.Module(new Uint8Array(binary)), globalExports: names };
  } catch (error) {
    throw new ManifestError(`${where}: ${file} is not a valid WASM module: ${(error as Error).message}`);
  }
  moduleCache.set(file, loaded);
  return loaded;
}

function parseMapping(raw: unknown, baseDir: string, where: string): MappingSpec {
  const mapping = asObject(raw, `${where}.mapping`);
  const apiVersion = String(mapping.apiVersion ?? '');
  if (!SUPPORTED_API_VERSIONS.includes(apiVersion)) {
    throw new ManifestError(
      `${where}: mapping apiVersion ${apiVersion || '(missing)'} is not supported; the local node runs ${SUPPORTED_API_VERSIONS.join(', ')} (AssemblyScript 0.19 mappings)`,
    );
  }
  if (mapping.language !== undefined && mapping.language !== 'wasm/assemblyscript') {
    throw new ManifestError(`${where}: mapping language ${String(mapping.language)} is not wasm/assemblyscript`);
  }
  if (asArray(mapping.callHandlers, `${where}.mapping.callHandlers`).length > 0) {
    throw new ManifestError(
      `${where}: call handlers are not supported by the local subgraph node: they need a trace API (trace_filter) that Hardhat's network does not offer. Use event handlers, or run the subgraph on graph-node against a tracing node.`,
    );
  }
  const file = path.resolve(baseDir, asString(mapping.file, `${where}.mapping.file`));
  const { module, globalExports } = loadModule(file, where);
  const abis = new Map<string, Interface>();
  for (const [i, entry] of asArray(mapping.abis, `${where}.mapping.abis`).entries()) {
    const abi = asObject(entry, `${where}.mapping.abis[${i}]`);
    const name = asString(abi.name, `${where}.mapping.abis[${i}].name`);
    abis.set(name, readAbi(path.resolve(baseDir, asString(abi.file, `${where}.mapping.abis[${i}].file`)), `${where} ABI ${name}`));
  }

  const eventHandlers: EventHandlerSpec[] = asArray(mapping.eventHandlers, `${where}.mapping.eventHandlers`).map((entry, i) => {
    const at = `${where}.mapping.eventHandlers[${i}]`;
    const spec = asObject(entry, at);
    const event = asString(spec.event, `${at}.event`);
    const handler = asString(spec.handler, `${at}.handler`);
    const wanted = normaliseSignature(event);
    let fragment: EventFragment | undefined;
    for (const iface of abis.values()) {
      iface.forEachEvent((candidate) => {
        if (!fragment && normaliseSignature(eventSignatureWithIndexed(candidate)) === wanted) fragment = candidate;
      });
    }
    if (!fragment) {
      throw new ManifestError(`${at}: event ${event} is not in any ABI of the data source (check the \`indexed\` keywords)`);
    }
    return {
      event,
      handler,
      receipt: spec.receipt === true,
      topic0: fragment.topicHash,
      topicFilters: [
        topicValues(spec.topic1, `${at}.topic1`),
        topicValues(spec.topic2, `${at}.topic2`),
        topicValues(spec.topic3, `${at}.topic3`),
      ],
      fragment,
    };
  });

  const blockHandlers: BlockHandlerSpec[] = asArray(mapping.blockHandlers, `${where}.mapping.blockHandlers`).map((entry, i) => {
    const at = `${where}.mapping.blockHandlers[${i}]`;
    const spec = asObject(entry, at);
    const handler = asString(spec.handler, `${at}.handler`);
    if (spec.filter === undefined || spec.filter === null) return { handler, filter: { kind: 'every' } };
    const filter = asObject(spec.filter, `${at}.filter`);
    switch (filter.kind) {
      case 'polling': {
        const every = Number(filter.every);
        if (!Number.isInteger(every) || every <= 0) throw new ManifestError(`${at}.filter.every must be a positive integer`);
        return { handler, filter: { kind: 'polling', every } };
      }
      case 'once':
        return { handler, filter: { kind: 'once' } };
      case 'call':
        throw new ManifestError(
          `${at}: block handlers with \`filter: { kind: call }\` are not supported by the local subgraph node: they need a trace API that Hardhat's network does not offer`,
        );
      default:
        throw new ManifestError(`${at}.filter.kind ${String(filter.kind)} is not one of polling, once, call`);
    }
  });

  const exports = new Set(WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name));
  for (const { handler } of [...eventHandlers, ...blockHandlers]) {
    if (!exports.has(handler)) throw new ManifestError(`${where}: handler ${handler} is not exported by ${file}`);
  }
  for (const required of ['__new', 'id_of_type']) {
    if (!exports.has(required)) {
      throw new ManifestError(`${where}: ${file} does not export ${required}; build it with graph-cli (asc --exportRuntime)`);
    }
  }
  try {
    checkHostImports(module);
  } catch (error) {
    throw new ManifestError(`${where}: ${file}: ${(error as Error).message}`);
  }
  return { apiVersion, file, module, globalExports, abis, eventHandlers, blockHandlers };
}

function parseDataSource(raw: unknown, baseDir: string, where: string, template: boolean): DataSourceSpec {
  const ds = asObject(raw, where);
  const name = asString(ds.name, `${where}.name`);
  const at = `${template ? 'template' : 'data source'} "${name}"`;
  const kind = String(ds.kind ?? '');
  if (kind !== 'ethereum/contract' && kind !== 'ethereum') {
    throw new ManifestError(`${at}: kind ${kind || '(missing)'} is not supported; the local subgraph node runs ethereum/contract data sources`);
  }
  const source = asObject(ds.source ?? {}, `${at}.source`);
  const address = template || source.address === undefined ? null : String(source.address).toLowerCase();
  if (address !== null && !/^0x[0-9a-f]{40}$/.test(address)) throw new ManifestError(`${at}: source.address ${address} is not an address`);
  return {
    name,
    network: String(ds.network ?? ''),
    address,
    startBlock: template ? 0 : Number(source.startBlock ?? 0),
    endBlock: source.endBlock === undefined ? null : Number(source.endBlock),
    abi: asString(source.abi, `${at}.source.abi`),
    context: parseContext(ds.context, `${at}.context`),
    mapping: parseMapping(ds.mapping, baseDir, at),
  };
}

/** Reads and checks a built subgraph. Throws `ManifestError` naming what to fix. */
export function loadManifest(buildOrManifest: string): SubgraphManifest {
  const file = resolveManifestPath(buildOrManifest);
  const baseDir = path.dirname(file);
  let raw: Yaml;
  try {
    raw = asObject(parseYaml(fs.readFileSync(file, 'utf8')), 'the manifest');
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    throw new ManifestError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  const schemaFile = path.resolve(baseDir, asString(asObject(raw.schema, 'schema').file, 'schema.file'));
  if (!fs.existsSync(schemaFile)) throw new ManifestError(`schema file ${schemaFile} does not exist`);
  const dataSources = asArray(raw.dataSources, 'dataSources').map((ds, i) => parseDataSource(ds, baseDir, `dataSources[${i}]`, false));
  const templates = asArray(raw.templates, 'templates').map((ds, i) => parseDataSource(ds, baseDir, `templates[${i}]`, true));
  if (dataSources.length === 0) throw new ManifestError(`${file} declares no data sources`);
  return {
    file,
    specVersion: String(raw.specVersion ?? ''),
    schemaSdl: fs.readFileSync(schemaFile, 'utf8'),
    dataSources,
    templates,
  };
}
