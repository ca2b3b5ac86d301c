/**
 * Entity store semantics: merging sets, schema checks, immutability, get_in_block and loadRelated,
 * atomic block commits, reverts (any revert equals a fresh index of the final chain) and the
 * journal (a restarted store answers exactly as before and continues).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { QueryApi } from '../../../subgraph/local-node/graphql/executor';
import { createEntityStore, StoreError, type QueryableEntityStore } from '../../../subgraph/local-node/store';
import { JOURNAL_FILE } from '../../../subgraph/local-node/store/journal';
import { ValueKind, type EntityData } from '../../../subgraph/local-node/store/types';
import { NULL, SCHEMA_SDL, big, blockPtr, bool, bytes, dec, entity, fixtureStore, int, list, str, ts } from './fixture/data';

const tmpDirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'entity-store-'));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

function plain(e: EntityData | null): Record<string, unknown> | null {
  if (!e) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of e) out[k] = v.kind === ValueKind.Bytes ? Buffer.from(v.value).toString('hex') : 'value' in v ? v.value : null;
  return out;
}

const owner = (id: string, extra: Record<string, ReturnType<typeof str>> = {}): EntityData =>
  entity({ id: str(id), name: str(`name-${id}`), active: bool(true), ...extra });

describe('writes', () => {
  let store: QueryableEntityStore;
  beforeEach(async () => {
    store = await createEntityStore({ schemaSdl: SCHEMA_SDL });
  });

  test('set merges fields into the existing entity; null unsets a field', () => {
    let w = store.beginBlock(blockPtr(1));
    w.set('Owner', 'o1', owner('o1', { age: int(3), balance: big(10) }));
    w.commit();
    w = store.beginBlock(blockPtr(2));
    w.set('Owner', 'o1', entity({ age: int(4), balance: NULL }));
    expect(plain(w.get('Owner', 'o1'))).toEqual({ id: 'o1', name: 'name-o1', active: true, age: 4 });
    w.commit();
    expect(store.latestBlock()).toEqual(blockPtr(2));
  });

  test('values are checked against the schema with graph-node\'s messages', () => {
    const w = store.beginBlock(blockPtr(1));
    expect(() => w.set('Owner', 'o1', owner('o1', { age: str('old') }))).toThrow(
      new StoreError('Entity Owner[o1]: the value `old` for field `age` must have type Int but has type String'),
    );
    expect(() => w.set('Owner', 'o1', owner('o1', { balance: int(1) }))).toThrow(/field `balance` must have type BigInt but has type Int/);
    expect(() => w.set('Owner', 'o1', entity({ id: str('o1'), active: bool(true) }))).toThrow(
      new StoreError('Entity Owner[o1]: missing value for non-nullable field `name`'),
    );
    expect(() => w.set('Owner', 'o1', owner('o1', { nope: int(1) }))).toThrow(new StoreError('Unknown key `nope`. It probably is not part of the schema'));
    expect(() => w.set('Owner', 'o1', owner('o1', { pets: list() }))).toThrow(
      new StoreError('Entity Owner[o1]: field `pets` is derived and cannot be set'),
    );
    expect(() => w.set('Owner', 'o1', owner('o1', { tags: list(str('a'), NULL) }))).toThrow(/must have type \[String!\]/);
    expect(() => w.set('Owner', 'o1', owner('o1', { tags: str('a') }))).toThrow(/must have type \[String!\] but has type String/);
    expect(() => w.set('Owner', 'o1', owner('o2'))).toThrow(/conflicts with the id passed to store.set/);
    expect(() => w.set('Profile', 'not-hex', entity({ owner: str('o1') }))).toThrow(/must be 0x-prefixed hex/);
    expect(() => w.set('Named', 'x', owner('x'))).toThrow(/not defined in schema.graphql/);
    expect(() => w.set('Pet', 'p1', entity({ id: str('p1'), name: str('Rex'), owner: bytes('0x01') }))).toThrow(/field `owner` must have type Owner!/);
    // Nothing of the refused writes is visible.
    expect(w.get('Owner', 'o1')).toBeNull();
    w.discard();
  });

  test('immutable entities: rewritten in their own block, never changed or removed later', () => {
    let w = store.beginBlock(blockPtr(1));
    const ev = (amount: number) => entity({ id: bytes('0xaa'), owner: str('o1'), amount: big(amount), at: ts(1) });
    w.set('Event', '0xaa', ev(1));
    w.set('Event', '0xAA', ev(2));
    w.commit();
    w = store.beginBlock(blockPtr(2));
    expect(plain(w.get('Event', '0xaa'))!.amount).toBe(2n);
    expect(() => w.set('Event', '0xaa', ev(3))).toThrow(
      new StoreError('entity Event[0xaa] is immutable; inserting it at block 2 is not possible as it was already inserted at block 1'),
    );
    expect(() => w.remove('Event', '0xaa')).toThrow(/immutable entity type Event only allows inserts/);
    w.discard();
  });

  test('get, getInBlock and loadRelated see the block\'s own writes', () => {
    let w = store.beginBlock(blockPtr(1));
    w.set('Owner', 'o1', owner('o1'));
    w.set('Pet', 'p1', entity({ id: str('p1'), name: str('Rex'), owner: str('o1') }));
    w.set('Pet', 'p2', entity({ id: str('p2'), name: str('Tom'), owner: str('o1') }));
    w.commit();
    w = store.beginBlock(blockPtr(2));
    expect(w.getInBlock('Pet', 'p1')).toBeNull();
    expect(plain(w.get('Pet', 'p1'))!.name).toBe('Rex');
    w.set('Pet', 'p3', entity({ id: str('p3'), name: str('Fido'), owner: str('o1') }));
    w.set('Pet', 'p2', entity({ owner: str('o9') }));
    w.remove('Pet', 'p1');
    expect(plain(w.getInBlock('Pet', 'p3'))!.name).toBe('Fido');
    expect(w.get('Pet', 'p1')).toBeNull();
    expect(w.loadRelated('Owner', 'o1', 'pets').map((e) => plain(e)!.id)).toEqual(['p3']);
    expect(() => w.loadRelated('Owner', 'o1', 'name')).toThrow(/not a @derivedFrom field/);
    w.commit();
    const api = new QueryApi({ store, deployment: 'd' });
    expect(api.execute({ query: '{ owner(id: "o1") { pets { id } } }' }).data).toEqual({ owner: { pets: [{ id: 'p3' }] } });
  });

  test('a discarded block leaves nothing behind; blocks must move forward', () => {
    let w = store.beginBlock(blockPtr(1));
    w.set('Owner', 'o1', owner('o1'));
    w.commit();
    w = store.beginBlock(blockPtr(2));
    w.set('Owner', 'o2', owner('o2'));
    expect(() => store.beginBlock(blockPtr(3))).toThrow(/still being written/);
    w.discard();
    expect(store.latestBlock()!.number).toBe(1);
    expect(store.table('Owner').current.has('o2')).toBe(false);
    expect(() => store.beginBlock(blockPtr(1))).toThrow(/not after the latest committed block 1; call revertTo\(0\)/);
    expect(() => w.set('Owner', 'o3', owner('o3'))).toThrow(/already committed or discarded/);
  });

  test('dynamic data sources are committed and reverted with their block', () => {
    let w = store.beginBlock(blockPtr(1));
    w.addDataSource({ template: 'T', params: ['0x01'], context: new Map([['k', str('v')]]), createdAtBlock: 1 });
    w.commit();
    w = store.beginBlock(blockPtr(2));
    w.addDataSource({ template: 'T', params: ['0x02'], context: null, createdAtBlock: 2 });
    w.discard();
    w = store.beginBlock(blockPtr(3));
    w.addDataSource({ template: 'T', params: ['0x03'], context: null, createdAtBlock: 3 });
    w.commit();
    expect(store.dataSources().map((d) => d.params[0])).toEqual(['0x01', '0x03']);
    store.revertTo(2);
    expect(store.dataSources().map((d) => d.params[0])).toEqual(['0x01']);
    expect(store.latestBlock()!.number).toBe(1);
    expect(store.blockAt(3)).toBeNull();
  });
});

/** Everything the query API can see, at every block up to `upTo`. */
function snapshot(store: QueryableEntityStore, upTo: number): unknown[] {
  const api = new QueryApi({ store, deployment: 'd' });
  const out: unknown[] = [];
  for (let b = 1; b <= upTo; b++) {
    out.push(
      api.execute({
        query: `{ owners(first: 1000, block: { number: ${b} }) { id name age balance score tags favorite { id } pets { id name } }
                  pets(first: 1000, block: { number: ${b} }) { id name owner { id } weight }
                  youngest: owners(first: 2, where: { active: true }, orderBy: age, block: { number: ${b} }) { id }
                  heaviest: pets(first: 2, where: { weight_gt: "10" }, orderBy: weight, orderDirection: desc, block: { number: ${b} }) { id }
                  _meta(block: { number: ${b} }) { block { number } } }`,
      }),
    );
  }
  out.push(store.dataSources(), store.latestBlock());
  return out;
}

/** A deterministic pseudo-random chain of blocks writing owners and pets. */
function randomBlocks(seed: number, from: number, to: number): Array<(store: QueryableEntityStore) => void> {
  let s = seed;
  const rand = (n: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
  const blocks: Array<(store: QueryableEntityStore) => void> = [];
  for (let b = from; b <= to; b++) {
    const ops: Array<(w: ReturnType<QueryableEntityStore['beginBlock']>) => void> = [];
    const n = 1 + rand(6);
    for (let i = 0; i < n; i++) {
      const o = `o${rand(8)}`;
      const p = `p${rand(8)}`;
      const kind = rand(5);
      const age = rand(100);
      const name = `n${rand(1000)}`;
      if (kind === 0) ops.push((w) => w.set('Owner', o, owner(o, { age: int(age), tags: list(str(name)) })));
      else if (kind === 1) ops.push((w) => w.get('Owner', o) && w.set('Owner', o, entity({ balance: big(age), score: dec(`${age}.5`) })));
      else if (kind === 2) ops.push((w) => w.set('Pet', p, entity({ id: str(p), name: str(name), owner: str(o), weight: dec(String(age)) })));
      else if (kind === 3) {
        const [type, id] = rand(2) ? ['Pet', p] : ['Owner', o];
        ops.push((w) => w.remove(type, id));
      }
      else ops.push((w) => w.get('Owner', o) && w.set('Owner', o, entity({ favorite: str(p) })));
    }
    const withSource = rand(4) === 0;
    blocks.push((store) => {
      const w = store.beginBlock(blockPtr(b));
      for (const op of ops) op(w);
      if (withSource) w.addDataSource({ template: 'T', params: [`0x${b.toString(16).padStart(2, '0')}`], context: null, createdAtBlock: b });
      w.commit();
    });
  }
  return blocks;
}

describe('reverts', () => {
  test.each([0, 1, 5, 9, 12])('reverting to block %i and indexing another branch equals a fresh index of that chain', async (ancestor) => {
    const main = randomBlocks(7, 1, 12);
    const branch = randomBlocks(1000 + ancestor, ancestor + 1, 15);

    const reorged = await createEntityStore({ schemaSdl: SCHEMA_SDL });
    for (const b of main) b(reorged);
    // Query before the reorg so that lazily built indexes exist and must follow the revert.
    snapshot(reorged, 12);
    reorged.revertTo(ancestor);
    for (const b of branch) b(reorged);

    const fresh = await createEntityStore({ schemaSdl: SCHEMA_SDL });
    for (const b of main.slice(0, ancestor)) b(fresh);
    for (const b of branch) b(fresh);

    expect(snapshot(reorged, 15)).toEqual(snapshot(fresh, 15));
  });

  test('a revert clears an indexing error reported above the ancestor', async () => {
    const store = await fixtureStore();
    store.setIndexingError({ message: 'boom', block: blockPtr(3) });
    store.revertTo(2);
    expect(store.indexingError()).toBeNull();
  });
});

describe('ordering many candidates', () => {
  test('top-k selection of a few out of many equals a full sort', async () => {
    const store = await createEntityStore({ schemaSdl: SCHEMA_SDL });
    const w = store.beginBlock(blockPtr(1));
    w.set('Owner', 'o1', owner('o1'));
    const weights: number[] = [];
    for (let i = 0; i < 200; i++) {
      const weight = (i * 37) % 50; // many ties, broken by id
      weights.push(weight);
      w.set('Pet', `p${String(i).padStart(3, '0')}`, entity({ id: str(`p${String(i).padStart(3, '0')}`), name: str(`n${i % 7}`), owner: str('o1'), weight: dec(String(weight)) }));
    }
    w.commit();
    const api = new QueryApi({ store, deployment: 'd' });
    const all = (dir: string) =>
      (api.execute({ query: `{ owner(id: "o1") { pets(first: 1000, orderBy: weight, orderDirection: ${dir}) { id } } }` }).data as any).owner.pets.map((p: { id: string }) => p.id);
    for (const dir of ['asc', 'desc']) {
      const full = all(dir);
      for (const first of [1, 3, 10, 49]) {
        const top = (api.execute({ query: `{ owner(id: "o1") { pets(first: ${first}, orderBy: weight, orderDirection: ${dir}) { id } } }` }).data as any).owner.pets.map((p: { id: string }) => p.id);
        expect(top).toEqual(full.slice(0, first));
      }
      const named = (api.execute({ query: `{ pets(first: 5, skip: 2, where: { name: "n3" }, orderBy: weight, orderDirection: ${dir}) { id } }` }).data as any).pets.map((p: { id: string }) => p.id);
      const expected = (api.execute({ query: `{ pets(first: 1000, orderBy: weight, orderDirection: ${dir}) { id name } }` }).data as any).pets
        .filter((p: { name: string }) => p.name === 'n3')
        .map((p: { id: string }) => p.id)
        .slice(2, 7);
      expect(named).toEqual(expected);
    }
    expect(all('asc')[0]).toBe('p000');
  });
});

describe('indexes kept up to date while blocks are written', () => {
  test('queries between writes answer as a store that was never queried', async () => {
    const write = (store: QueryableEntityStore, block: number, count: number, seed: number) => {
      const w = store.beginBlock(blockPtr(block));
      for (let i = 0; i < count; i++) {
        const n = (seed * 7919 + i * 104729) % 500;
        const id = `o${n}`;
        w.set('Owner', id, owner(id, { age: int((n * 31 + block) % 97), name: str(`name-${(n * 13) % 41}`) }));
        if (i % 5 === 0) w.set('Pet', `p${n}`, entity({ id: str(`p${n}`), name: str(`pet${n}`), owner: str(id), weight: dec(String(n % 17)) }));
      }
      w.commit();
    };
    const blocks: Array<[number, number]> = [[300, 1], [3, 2], [40, 3], [1, 4], [200, 5], [300, 6], [7, 7]];
    const queries = (b: number) => `{
      asc: owners(first: 50, orderBy: age, block: { number: ${b} }) { id age }
      desc: owners(first: 50, skip: 10, orderBy: age, orderDirection: desc, block: { number: ${b} }) { id age }
      named: owners(first: 20, where: { name: "name-3" }, orderBy: age) { id }
      children: owners(first: 5, orderBy: id) { pets(first: 3, orderBy: weight, orderDirection: desc) { id } }
    }`;
    const live = await createEntityStore({ schemaSdl: SCHEMA_SDL });
    const liveApi = new QueryApi({ store: live, deployment: 'd' });
    const seen: unknown[] = [];
    blocks.forEach(([count, seed], i) => {
      write(live, i + 1, count, seed);
      for (let b = 1; b <= i + 1; b++) seen.push(liveApi.execute({ query: queries(b) }));
    });
    const fresh = await createEntityStore({ schemaSdl: SCHEMA_SDL });
    blocks.forEach(([count, seed], i) => write(fresh, i + 1, count, seed));
    const freshApi = new QueryApi({ store: fresh, deployment: 'd' });
    const expected: unknown[] = [];
    blocks.forEach((_, i) => {
      for (let b = 1; b <= i + 1; b++) expected.push(freshApi.execute({ query: queries(b) }));
    });
    // The fresh store answers the later blocks' questions with all blocks written; compare those
    // queries that only look at past blocks (asc/desc) plus the latest state at the end.
    const pick = (xs: unknown[]) => xs.map((x) => ({ asc: (x as any).data.asc, desc: (x as any).data.desc }));
    expect(pick(seen)).toEqual(pick(expected));
    expect(liveApi.execute({ query: queries(7) })).toEqual(freshApi.execute({ query: queries(7) }));
  });
});

describe('persistence', () => {
  test('a restarted store replays its journal: same answers, same data sources, resumes after the last block', async () => {
    const dir = tmpDir();
    const blocks = randomBlocks(42, 1, 20);
    const first = await createEntityStore({ schemaSdl: SCHEMA_SDL, dataDir: dir });
    for (const b of blocks.slice(0, 10)) b(first);
    first.revertTo(6);
    for (const b of randomBlocks(43, 7, 9)) b(first);
    first.setIndexingError({ message: 'mapping aborted', block: blockPtr(9), handler: 'handleX', location: 'src/x.ts:3:1' });
    const before = snapshot(first, 9);
    await first.close();

    const second = await createEntityStore({ schemaSdl: SCHEMA_SDL, dataDir: dir });
    expect(snapshot(second, 9)).toEqual(before);
    expect(second.latestBlock()).toEqual(blockPtr(9));
    expect(second.indexingError()).toEqual({ message: 'mapping aborted', block: blockPtr(9), handler: 'handleX', location: 'src/x.ts:3:1' });
    second.setIndexingError(null);
    for (const b of blocks.slice(9, 12)) b(second);
    const after = snapshot(second, 12);
    await second.close();

    const third = await createEntityStore({ schemaSdl: SCHEMA_SDL, dataDir: dir });
    expect(snapshot(third, 12)).toEqual(after);
    expect(third.indexingError()).toBeNull();
    await third.close();
  });

  test('a block cut short by a crash is dropped; the store continues after the last whole block', async () => {
    const dir = tmpDir();
    const store = await fixtureStore(dir);
    const before = snapshot(store, 3);
    await store.close();
    fs.appendFileSync(path.join(dir, JOURNAL_FILE), '{"t":"block","block":[4,"0x');
    const reopened = await createEntityStore({ schemaSdl: SCHEMA_SDL, dataDir: dir });
    expect(snapshot(reopened, 3)).toEqual(before);
    const w = reopened.beginBlock(blockPtr(4));
    w.set('Owner', 'o9', owner('o9'));
    w.commit();
    await reopened.close();
    const again = await createEntityStore({ schemaSdl: SCHEMA_SDL, dataDir: dir });
    expect(again.latestBlock()!.number).toBe(4);
    expect(again.table('Owner').current.has('o9')).toBe(true);
    await again.close();
  });

  test('a journal written for another schema is refused', async () => {
    const dir = tmpDir();
    const store = await fixtureStore(dir);
    await store.close();
    await expect(createEntityStore({ schemaSdl: `${SCHEMA_SDL}\n# changed`, dataDir: dir })).rejects.toThrow(/different schema.graphql/);
  });
});

describe('Int8 ids', () => {
  test('are numbers for ordering and filters, strings in responses', async () => {
    const store = await createEntityStore({ schemaSdl: 'type Counter @entity(immutable: false) { id: Int8!, n: Int! }' });
    const w = store.beginBlock(blockPtr(1));
    for (const id of [10, 2, -3, 100]) {
      w.set('Counter', String(id), entity({ id: { kind: ValueKind.Int8, value: BigInt(id) }, n: int(id * 2) }));
    }
    expect(() => w.set('Counter', 'x', entity({ n: int(1) }))).toThrow(/must be a decimal integer/);
    w.commit();
    const api = new QueryApi({ store, deployment: 'd' });
    expect(api.execute({ query: '{ counters { id } }' }).data).toEqual({ counters: [{ id: '-3' }, { id: '2' }, { id: '10' }, { id: '100' }] });
    expect(api.execute({ query: '{ counters(where: { id_gt: 2 }, orderBy: id, orderDirection: desc) { id n } }' }).data).toEqual({
      counters: [
        { id: '100', n: 200 },
        { id: '10', n: 20 },
      ],
    });
    expect(api.execute({ query: '{ counter(id: "10") { n } }' }).data).toEqual({ counter: { n: 20 } });
  });
});

describe('ordering by a referenced entity\'s field', () => {
  test('ties are broken by the parent\'s id, as graph-node\'s `order by child.field, c.id`', async () => {
    const store = await createEntityStore({ schemaSdl: SCHEMA_SDL });
    const w = store.beginBlock(blockPtr(1));
    w.set('Owner', 'oz', owner('oz', { name: str('same') }));
    w.set('Owner', 'oa', owner('oa', { name: str('same') }));
    w.set('Owner', 'ob', owner('ob', { name: str('alpha') }));
    w.set('Pet', 'p1', entity({ id: str('p1'), name: str('x'), owner: str('oz') }));
    w.set('Pet', 'p2', entity({ id: str('p2'), name: str('y'), owner: str('oa') }));
    w.set('Pet', 'p3', entity({ id: str('p3'), name: str('z'), owner: str('ob') }));
    w.commit();
    const api = new QueryApi({ store, deployment: 'd' });
    const ids = (q: string) => (api.execute({ query: q }).data as any).pets.map((p: { id: string }) => p.id);
    expect(ids('{ pets(orderBy: owner__name) { id } }')).toEqual(['p3', 'p1', 'p2']);
    expect(ids('{ pets(orderBy: owner__name, orderDirection: desc) { id } }')).toEqual(['p2', 'p1', 'p3']);
  });
});
