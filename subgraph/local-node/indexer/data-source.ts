/**
 * A running data source: a manifest data source, or one created from a template by a mapping, with
 * the mapping runtime that runs its handlers and the event decoding its handlers need.
 */
import type { EventFragment, ParamType } from 'ethers';
import { decodeAbiParameters, decodeTopic, hexToBytes, isDynamicAbiType } from '../ethereum/abi-decoder';
import type { DataSourceSpec, EventHandlerSpec, SubgraphManifest } from '../manifest';
import type { DynamicDataSource, EntityData } from '../store/types';
import { MappingRuntime } from '../wasm/mapping-runtime';
import { EthereumValueKind, type Token } from '../wasm/ethereum-values';
import type { EventParam } from '../wasm/ethereum-objects';
import { apiFeatures, type ApiFeatures } from '../wasm/ethereum-objects';
import type { RpcLog } from '../ethereum/rpc-types';

export interface RunningDataSource {
  name: string;
  spec: DataSourceSpec;
  /** Template name when created by a mapping. */
  template: string | null;
  address: string | null;
  startBlock: number;
  endBlock: number | null;
  context: EntityData | null;
  runtime: MappingRuntime;
  features: ApiFeatures;
}

const runtimes = new WeakMap<WebAssembly.Module, MappingRuntime>();

function runtimeFor(spec: DataSourceSpec): MappingRuntime {
  let runtime = runtimes.get(spec.mapping.module);
  if (!runtime) {
    runtime = new MappingRuntime(spec.mapping.module, spec.mapping.globalExports, spec.mapping.file);
    runtimes.set(spec.mapping.module, runtime);
  }
  return runtime;
}

export function staticDataSources(manifest: SubgraphManifest): RunningDataSource[] {
  return manifest.dataSources.map((spec) => ({
    name: spec.name,
    spec,
    template: null,
    address: spec.address,
    startBlock: spec.startBlock,
    endBlock: spec.endBlock,
    context: spec.context,
    runtime: runtimeFor(spec),
    features: apiFeatures(spec.mapping.apiVersion),
  }));
}

export function templateByName(manifest: SubgraphManifest, name: string): DataSourceSpec | undefined {
  return manifest.templates.find((t) => t.name === name);
}

/** Instantiates a data source recorded by `dataSource.create`; it starts at the creating block. */
export function dynamicDataSource(manifest: SubgraphManifest, record: DynamicDataSource): RunningDataSource {
  const spec = templateByName(manifest, record.template);
  if (!spec) {
    throw new Error(`the store has a data source of template ${record.template}, which the manifest does not declare`);
  }
  const address = record.params[0] ? record.params[0].toLowerCase() : null;
  return {
    name: spec.name,
    spec,
    template: spec.name,
    address,
    startBlock: record.createdAtBlock,
    endBlock: null,
    context: record.context,
    runtime: runtimeFor(spec),
    features: apiFeatures(spec.mapping.apiVersion),
  };
}

export function isActiveAt(ds: RunningDataSource, blockNumber: number): boolean {
  return blockNumber >= ds.startBlock && (ds.endBlock === null || blockNumber <= ds.endBlock);
}

export function handlersForLog(ds: RunningDataSource, log: RpcLog): EventHandlerSpec[] {
  if (ds.address !== null && log.address.toLowerCase() !== ds.address) return [];
  const topic0 = log.topics[0];
  if (!topic0) return [];
  const out: EventHandlerSpec[] = [];
  for (const handler of ds.spec.mapping.eventHandlers) {
    if (handler.topic0 !== topic0) continue;
    let matches = true;
    for (let i = 0; i < 3 && matches; i++) {
      const accepted = handler.topicFilters[i];
      if (accepted !== null) {
        const topic = log.topics[i + 1]?.toLowerCase();
        matches = topic !== undefined && accepted.includes(topic);
      }
    }
    if (matches) out.push(handler);
  }
  return out;
}

const dataTypes = new WeakMap<EventFragment, ParamType[]>();

/** Decodes a log's parameters as graph-node does (indexed dynamic values as their topic hash). */
export function decodeEventParams(fragment: EventFragment, log: RpcLog): EventParam[] {
  let types = dataTypes.get(fragment);
  if (!types) {
    types = fragment.inputs.filter((input) => !input.indexed);
    dataTypes.set(fragment, types);
  }
  const decoded = types.length > 0 ? decodeAbiParameters(types, hexToBytes(log.data)) : [];
  const params: EventParam[] = [];
  let topicIndex = fragment.anonymous ? 0 : 1;
  let dataIndex = 0;
  for (const input of fragment.inputs) {
    let value: Token;
    if (input.indexed) {
      const topic = log.topics[topicIndex++];
      if (topic === undefined) throw new Error(`log ${log.transactionHash}:${log.logIndex} lacks topics for ${fragment.format()}`);
      const bytes = hexToBytes(topic);
      value = isDynamicAbiType(input) ? { kind: EthereumValueKind.FixedBytes, value: bytes } : decodeTopic(input, bytes);
    } else {
      value = decoded[dataIndex++];
    }
    params.push({ name: input.name, value });
  }
  return params;
}
