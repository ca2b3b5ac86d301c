/**
 * What the local node refuses at load time, before indexing anything: unknown and unsupported host
 * functions, call handlers, unsupported API versions, handlers the WASM lacks, events the ABIs
 * lack, and source (unbuilt) manifests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadManifest, ManifestError, silentLogger, startLocalNode } from '../../../subgraph/local-node';
import { checkHostImports } from '../../../subgraph/local-node/wasm/host-functions';
import { buildFixtureSubgraph, type BuiltFixture } from './support/fixture-subgraph';

jest.setTimeout(180_000);

/** A WASM module importing the functions `names` (module "index", type () -> ()). */
function moduleImporting(names: string[]): WebAssembly.Module {
  const leb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  const str = (s: string): number[] => [...leb(Buffer.byteLength(s)), ...Buffer.from(s)];
  const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
  const types = section(1, [1, 0x60, 0, 0]);
  const imports = section(2, [...leb(names.length), ...names.flatMap((name) => [...str('index'), ...str(name), 0x00, 0x00])]);
  return new WebAssembly.Module(Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0, 0, 0, ...types, ...imports]));
}

describe('local subgraph node: load-time checks', () => {
  let fixture: BuiltFixture;
  let scratch: string;

  beforeAll(() => {
    fixture = buildFixtureSubgraph('indexer-fixture');
    buildFixtureSubgraph('unknown-host', { solidityFrom: 'indexer-fixture' });
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'local-node-manifest-'));
  });

  afterAll(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  /** A copy of the fixture build with its manifest changed by `edit`. */
  function editedBuild(name: string, edit: (manifest: any) => void): string {
    const dir = path.join(scratch, name);
    fs.cpSync(fixture.buildDir, dir, { recursive: true });
    const file = path.join(dir, 'subgraph.yaml');
    const manifest = parse(fs.readFileSync(file, 'utf8'));
    edit(manifest);
    fs.writeFileSync(file, stringify(manifest));
    return dir;
  }

  it('loads the fixture build: data sources, templates, handlers and filters', () => {
    const manifest = loadManifest(fixture.buildDir);
    expect(manifest.dataSources.map((ds) => [ds.name, ds.network, ds.address, ds.startBlock])).toEqual([
      ['Registry', 'hardhat', '0x5fbdb2315678afecb367f032d93f642f64180aa3', 1],
    ]);
    const registry = manifest.dataSources[0].mapping;
    expect(registry.apiVersion).toBe('0.0.9');
    expect(registry.eventHandlers.map((h) => [h.handler, h.receipt, h.topicFilters[1]])).toEqual([
      ['handleItemCreated', true, null],
      ['handleSpecialItem', false, [`0x${'0'.repeat(63)}7`]],
      ['handleItemTagged', false, null],
      ['handleChildCreated', false, null],
      ['handleBoom', false, null],
    ]);
    expect(registry.blockHandlers).toEqual([
      { handler: 'handleOnce', filter: { kind: 'once' } },
      { handler: 'handlePolling', filter: { kind: 'polling', every: 3 } },
    ]);
    expect(manifest.templates.map((t) => [t.name, t.address, t.mapping.eventHandlers.map((h) => h.handler)])).toEqual([
      ['Child', null, ['handlePinged']],
    ]);
    // The manifest file itself works as well as its folder.
    expect(loadManifest(path.join(fixture.buildDir, 'subgraph.yaml')).dataSources).toHaveLength(1);
  });

  it('refuses a mapping that imports an unknown host function, naming it, before touching the chain', async () => {
    const build = path.join(fixture.dir, '..', 'unknown-host', 'build');
    expect(() => loadManifest(build)).toThrow(ManifestError);
    expect(() => loadManifest(build)).toThrow(/imports unknown host function "fancy\.thing" \(module "registry"\)/);
    // No chain is listening there: the load-time error comes first.
    await expect(startLocalNode({ build, rpcUrl: 'http://127.0.0.1:9', name: 'x', logger: silentLogger })).rejects.toThrow(
      /data source "Registry": .*Registry\.wasm: imports unknown host function "fancy\.thing"/,
    );
  });

  it('refuses host functions graph-ts declares but the node does not support, saying why', () => {
    expect(() => checkHostImports(moduleImporting(['store.get', 'ens.nameByHash']))).toThrow(
      /imports host function "ens\.nameByHash", which is not supported: ENS name lookups/,
    );
    expect(() => checkHostImports(moduleImporting(['ipfs.cat']))).toThrow(/"ipfs\.cat", which is not supported/);
    expect(() => checkHostImports(moduleImporting(['store.get', 'bigInt.plus', 'ethereum.call']))).not.toThrow();
  });

  it('refuses call handlers and call-filtered block handlers with the reason', () => {
    const withCallHandlers = editedBuild('call-handlers', (m) => {
      m.dataSources[0].mapping.callHandlers = [{ function: 'boom(uint256)', handler: 'handleBoom' }];
    });
    expect(() => loadManifest(withCallHandlers)).toThrow(/call handlers are not supported by the local subgraph node: they need a trace API/);
    const callFilter = editedBuild('call-filter', (m) => {
      m.dataSources[0].mapping.blockHandlers[0].filter = { kind: 'call' };
    });
    expect(() => loadManifest(callFilter)).toThrow(/`filter: \{ kind: call \}` are not supported/);
  });

  it('refuses unsupported API versions, missing handlers, unknown events and data source kinds', () => {
    const oldApi = editedBuild('api-0.0.4', (m) => {
      m.dataSources[0].mapping.apiVersion = '0.0.4';
    });
    expect(() => loadManifest(oldApi)).toThrow(/mapping apiVersion 0\.0\.4 is not supported; the local node runs 0\.0\.5, 0\.0\.6, 0\.0\.7, 0\.0\.8, 0\.0\.9/);
    const missingHandler = editedBuild('missing-handler', (m) => {
      m.dataSources[0].mapping.eventHandlers[0].handler = 'handleNothing';
    });
    expect(() => loadManifest(missingHandler)).toThrow(/handler handleNothing is not exported by .*Registry\.wasm/);
    const unknownEvent = editedBuild('unknown-event', (m) => {
      m.dataSources[0].mapping.eventHandlers[0].event = 'ItemCreated(address,uint256,string,bytes,int64)';
    });
    expect(() => loadManifest(unknownEvent)).toThrow(/event ItemCreated\(address,uint256,string,bytes,int64\) is not in any ABI of the data source \(check the `indexed` keywords\)/);
    const fileDataSource = editedBuild('file-kind', (m) => {
      m.dataSources[0].kind = 'file/ipfs';
    });
    expect(() => loadManifest(fileDataSource)).toThrow(/kind file\/ipfs is not supported; the local subgraph node runs ethereum\/contract data sources/);
  });

  it('refuses a source manifest and points to graph build', () => {
    expect(() => loadManifest(path.join(fixture.dir, 'subgraph.yaml'))).toThrow(/looks like a source manifest\. Run `graph codegen && graph build`/);
    expect(() => loadManifest(path.join(scratch, 'nowhere'))).toThrow(/does not exist; pass a `graph build` output folder/);
  });
});
