/**
 * Conformance of the local node's query API with graph-node's: naming, filters, ordering, nested
 * filters and ordering, relations, time-travel, _meta, scalars, errors and the error policy.
 * Expected answers are what graph-node returns for the same data (see the fixture).
 */
import { buildClientSchema, getIntrospectionQuery, printSchema, type IntrospectionQuery } from 'graphql';
import { QueryApi } from '../../../subgraph/local-node/graphql/executor';
import type { QueryableEntityStore } from '../../../subgraph/local-node/store';
import { blockPtr, fixtureStore } from './fixture/data';

const DEPLOYMENT = 'QmFixtureDeployment';
let store: QueryableEntityStore;
let api: QueryApi;

beforeAll(async () => {
  store = await fixtureStore();
  api = new QueryApi({ store, deployment: DEPLOYMENT });
});

function run(query: string, variables?: Record<string, unknown>) {
  return api.execute({ query, variables });
}

function data(query: string, variables?: Record<string, unknown>): Record<string, unknown> {
  const r = run(query, variables);
  if (r.errors) throw new Error(`unexpected errors: ${JSON.stringify(r.errors)}`);
  return r.data!;
}

function ids(query: string): string[] {
  const d = data(query);
  return (Object.values(d)[0] as Array<{ id: string }>).map((x) => x.id);
}

function errorOf(query: string, variables?: Record<string, unknown>): string {
  const r = run(query, variables);
  expect(r.errors).toBeDefined();
  return r.errors![0].message;
}

describe('collections and single entities', () => {
  test('collections are ordered by id by default and show the latest block', () => {
    expect(ids('{ owners { id } }')).toEqual(['o1', 'o3', 'o4']);
  });

  test('single entity by id, with every scalar serialised as graph-node does', () => {
    expect(
      data('{ owner(id: "o1") { id name age balance score active wallet bigCount since color tags colors } }'),
    ).toEqual({
      owner: {
        id: 'o1',
        name: 'Alice',
        age: 31,
        balance: '100',
        score: '1.5',
        active: true,
        wallet: '0xdeadbeef',
        bigCount: '5',
        since: '1700000000000000',
        color: 'RED',
        tags: ['a', 'b'],
        colors: ['RED', 'GREEN'],
      },
    });
    expect(data('{ owner(id: "o2") { id } }')).toEqual({ owner: null });
    expect(data('{ owner(id: "o3") { age tags wallet } }')).toEqual({ owner: { age: null, tags: null, wallet: null } });
  });

  test('Bytes ids: lower-case 0x hex out, any case in', () => {
    expect(data('{ event(id: "0xAA01") { id amount at } }')).toEqual({
      event: { id: '0xaa01', amount: '7', at: '1700000000000000' },
    });
    expect(ids('{ events(where: { id_gt: "0xaa01" }) { id } }')).toEqual(['0xaa02']);
  });

  test('first and skip', () => {
    expect(ids('{ owners(first: 2, skip: 1) { id } }')).toEqual(['o3', 'o4']);
    expect(ids('{ owners(first: 1) { id } }')).toEqual(['o1']);
    expect(errorOf('{ owners(first: 1001) { id } }')).toBe('The `first` argument must be between 0 and 1000, but is 1001');
    expect(errorOf('{ owners(first: 0) { id } }')).toBe('The `first` argument must be between 0 and 1000, but is 0');
    expect(errorOf('{ owners(skip: -1) { id } }')).toBe('The `skip` argument must be between 0 and 4294967295, but is -1');
  });

  test('aliases, fragments, variables, @skip/@include and __typename', () => {
    expect(
      data(
        'query Q($n: String!, $no: Boolean!) { a: owners(where: { name: $n }) { ...F __typename } b: owner(id: "o3") @include(if: $no) { id } __typename } fragment F on Owner { id nick: name }',
        { n: 'Alice', no: false },
      ),
    ).toEqual({ a: [{ id: 'o1', nick: 'Alice', __typename: 'Owner' }], __typename: 'Query' });
  });
});

describe('filters', () => {
  test.each([
    ['age_gt: 30', ['o1', 'o4']],
    ['age_lte: 31', ['o1']],
    ['age: null', ['o3']],
    ['age_not: null', ['o1', 'o4']],
    ['age_not: 31', ['o4']],
    ['age_in: [31, 40]', ['o1', 'o4']],
    ['age_not_in: [31]', ['o4']],
    ['name: "Alice"', ['o1']],
    ['name_not: "Alice"', ['o3', 'o4']],
    ['name_gt: "a"', ['o4']],
    ['name_contains: "li"', ['o1']],
    ['name_contains_nocase: "AL"', ['o1']],
    ['name_not_contains: "a"', ['o1']],
    ['name_not_contains_nocase: "A"', []],
    ['name_starts_with: "C"', ['o3']],
    ['name_starts_with_nocase: "c"', ['o3']],
    ['name_not_starts_with: "A"', ['o3', 'o4']],
    ['name_not_starts_with_nocase: "d"', ['o1', 'o3']],
    ['name_ends_with: "_x"', ['o3']],
    ['name_ends_with_nocase: "X"', ['o3']],
    ['name_not_ends_with: "e"', ['o3']],
    ['name_not_ends_with_nocase: "E"', ['o3']],
    ['name_in: ["Alice", "dave"]', ['o1', 'o4']],
    // graph-node compiles an empty list to `false`, for `_not_in` too.
    ['name_not_in: []', []],
    ['name_in: []', []],
    // graph-node passes `_contains` values to SQL LIKE unescaped: `_` matches any character.
    ['name_contains: "_"', ['o1', 'o3', 'o4']],
    ['balance_gte: "100"', ['o1', 'o3']],
    ['balance: 1', ['o4']],
    ['score_lt: "0"', ['o3']],
    ['score_gt: 1.25', ['o1']],
    ['score: "1.50"', ['o1']],
    ['active: false', ['o4']],
    ['active_in: [true]', ['o1', 'o3']],
    ['wallet: "0xDEADBEEF"', ['o1']],
    ['wallet_contains: "0xbeef"', ['o1']],
    ['wallet_not_contains: "0xbeef"', []],
    ['wallet_lt: "0xe0"', ['o1']],
    ['bigCount_gt: 4', ['o1']],
    ['since_gte: "1700000000000000"', ['o1']],
    ['color: RED', ['o1']],
    ['color_not_in: [RED]', []],
    ['tags: ["a", "b"]', ['o1']],
    ['tags_not: ["c"]', ['o1']],
    ['tags_contains: ["b"]', ['o1']],
    ['tags_contains: ["a", "c"]', []],
    ['tags_not_contains: ["a"]', ['o4']],
    ['tags_contains_nocase: ["C"]', ['o4']],
    ['tags_not_contains_nocase: ["A"]', ['o4']],
    ['colors_contains: [GREEN]', ['o1']],
    ['favorite: "p1"', ['o1']],
    ['favorite_in: ["p1", "p2"]', ['o1']],
    ['friends_contains: ["o2"]', ['o1']],
    ['id_in: ["o4", "o1", "zz"]', ['o1', 'o4']],
    ['id_gte: "o3"', ['o3', 'o4']],
  ])('owners(where: { %s })', (filter, expected) => {
    expect(ids(`{ owners(where: { ${filter} }) { id } }`)).toEqual(expected);
  });

  test('nested filters on references, lists and @derivedFrom fields', () => {
    expect(ids('{ pets(where: { owner_: { name: "Alice" } }) { id } }')).toEqual(['p1', 'p3']);
    expect(ids('{ owners(where: { pets_: { name: "Rex" } }) { id } }')).toEqual(['o1']);
    expect(ids('{ owners(where: { favorite_: { weight_gt: "10" } }) { id } }')).toEqual(['o1']);
    expect(ids('{ owners(where: { profile_: { bio: "hi" } }) { id } }')).toEqual(['o1']);
    expect(ids('{ owners(block: { number: 2 }, where: { friends_: { active: false } }) { id } }')).toEqual(['o1']);
    expect(ids('{ pets(where: { owner_: { active: false } }) { id } }')).toEqual([]);
    expect(ids('{ pets(block: { number: 1 }, where: { owner_: { active: false } }) { id } }')).toEqual(['p2']);
    expect(errorOf('{ pets(where: { owner_: { pets_: { name: "Rex" } } }) { id } }')).toMatch(
      /^Child filter nesting not supported by value `pets`/,
    );
  });

  test('and / or, and graph-node refusing column filters beside `or`', () => {
    expect(ids('{ owners(where: { or: [{ age: 31 }, { name: "dave" }] }) { id } }')).toEqual(['o1', 'o4']);
    expect(ids('{ owners(where: { and: [{ active: true }, { balance_gt: "500" }] }) { id } }')).toEqual(['o3']);
    expect(ids('{ owners(where: { or: [{ and: [{ active: true }, { age: null }] }, { id: "o4" }] }) { id } }')).toEqual(['o3', 'o4']);
    // graph-node reads every entry beside `and` as a list of filters too, so this is refused.
    expect(errorOf('{ owners(where: { name: "Alice", and: [{ active: true }] }) { id } }')).toBe('Filter must by an object');
    expect(errorOf('{ owners(where: { name: "x", or: [{ age: 1 }] }) { id } }')).toBe(
      "Cannot mix column filters with 'or' operator at the same level. Found column filter(s) 'name' alongside 'or' operator.\n\n" +
        "Instead of:\nwhere: { 'name', or: [...] }\n\nUse:\nwhere: { or: [{ 'name', ... }, { 'name', ... }] }",
    );
  });

  test('_change_block returns entities whose current version changed at or after a block', () => {
    expect(ids('{ pets(where: { _change_block: { number_gte: 2 } }) { id } }')).toEqual(['p2']);
    expect(ids('{ owners(where: { _change_block: { number_gte: 2 } }) { id } }')).toEqual(['o1', 'o4']);
    expect(ids('{ owners(where: { _change_block: { number_gte: 4 } }) { id } }')).toEqual([]);
  });

  test('values that do not fit the field type are refused', () => {
    expect(run('{ owners(where: { wallet: "0xzz" }) { id } }').errors).toBeDefined();
    expect(errorOf('{ owners(where: { name_gt: null }) { id } }')).toMatch(/^Filter not supported by value/);
  });
});

describe('ordering', () => {
  test.each([
    ['orderBy: balance, orderDirection: desc', ['o3', 'o1', 'o4']],
    ['orderBy: balance', ['o4', 'o1', 'o3']],
    // Postgres: nulls last ascending, first descending.
    ['orderBy: age', ['o1', 'o4', 'o3']],
    ['orderBy: age, orderDirection: desc', ['o3', 'o4', 'o1']],
    ['orderBy: score', ['o3', 'o1', 'o4']],
    ['orderBy: name', ['o1', 'o3', 'o4']],
    ['orderBy: id, orderDirection: desc', ['o4', 'o3', 'o1']],
    ['orderBy: active', ['o4', 'o1', 'o3']],
    ['orderBy: active, orderDirection: desc', ['o3', 'o1', 'o4']],
    ['orderDirection: desc', ['o1', 'o3', 'o4']],
    ['orderBy: favorite__name', ['o1', 'o3', 'o4']],
  ])('owners(%s)', (args, expected) => {
    expect(ids(`{ owners(${args}) { id } }`)).toEqual(expected);
  });

  test('ordering by a field of the referenced entity', () => {
    expect(ids('{ pets(orderBy: owner__name) { id } }')).toEqual(['p1', 'p3', 'p2']);
    expect(ids('{ pets(orderBy: owner__name, orderDirection: desc) { id } }')).toEqual(['p2', 'p3', 'p1']);
    expect(ids('{ pets(orderBy: owner__balance, orderDirection: desc, block: { number: 1 }) { id } }')).toEqual(['p3', 'p1', 'p2']);
  });

  test('ordering by lists, references and enums is refused as graph-node refuses it', () => {
    expect(errorOf('{ owners(orderBy: tags) { id } }')).toBe('Ordering by `tags` is not supported for type `Owner`');
    expect(errorOf('{ owners(orderBy: favorite) { id } }')).toBe('Ordering by `favorite` is not supported for type `Owner`');
    expect(errorOf('{ owners(orderBy: color) { id } }')).toBe('Ordering by `color` is not supported for type `Owner`');
    expect(errorOf('{ owners(orderBy: pets) { id } }')).toBe('Ordering by `pets` is not supported for type `Owner`');
    expect(errorOf('{ pets(orderBy: owner__color) { id } }')).toBe('Ordering by `color` is not supported for type `Owner`');
    // graph-node builds a relation's query only when there are parents to fetch children for.
    expect(errorOf('{ owners { pets(orderBy: kind) { id } } }')).toBe('Ordering by `kind` is not supported for type `Pet`');
    expect(data('{ owners(where: { id: "none" }) { pets(orderBy: kind) { id } } }')).toEqual({ owners: [] });
  });
});

describe('relations', () => {
  test('references, lists of references and @derivedFrom fields with their own arguments', () => {
    expect(
      data(`{ owner(id: "o1") {
        pets(orderBy: name) { name }
        named: pets(where: { name_starts_with: "R" }) { id }
        top: pets(first: 1, orderBy: name, orderDirection: desc) { id }
        favorite { name owner { id } toys { name } }
        friends { id }
        profile { id bio }
      } }`),
    ).toEqual({
      owner: {
        pets: [{ name: 'Fido' }, { name: 'Rex' }],
        named: [{ id: 'p1' }],
        top: [{ id: 'p1' }],
        favorite: { name: 'Rex', owner: { id: 'o1' }, toys: [{ name: 'Ball' }] },
        friends: [],
        profile: { id: '0x01', bio: 'hi' },
      },
    });
    expect(data('{ owner(id: "o1", block: { number: 2 }) { friends { id name } } }')).toEqual({
      owner: { friends: [{ id: 'o2', name: 'bob' }] },
    });
    expect(errorOf('{ owners { pets(first: 5000) { id } } }')).toBe('The `first` argument must be between 0 and 1000, but is 5000');
    // Event 0xaa02 refers to owner o2, removed at block 3; `owner: Owner!` cannot be null.
    expect(data('{ event(id: "0xaa02", block: { number: 2 }) { owner { name } } }')).toEqual({ event: { owner: { name: 'bob' } } });
    expect(errorOf('{ event(id: "0xaa02") { owner { name } } }')).toBe('Null value resolved for non-null field `owner`');
  });

  test('interfaces: collections over every implementing type, with type conditions', () => {
    expect(
      data('{ nameds(orderBy: name) { __typename id name ... on Pet { owner { id } } } named(id: "t1") { name } }'),
    ).toEqual({
      nameds: [
        { __typename: 'Toy', id: 't1', name: 'Ball' },
        { __typename: 'Pet', id: 'p3', name: 'Fido', owner: { id: 'o1' } },
        { __typename: 'Pet', id: 'p1', name: 'Rex', owner: { id: 'o1' } },
        { __typename: 'Pet', id: 'p2', name: 'Tom', owner: { id: 'o3' } },
      ],
      named: { name: 'Ball' },
    });
    expect(ids('{ nameds(where: { name_in: ["Ball", "Rex"] }) { id } }')).toEqual(['p1', 't1']);
  });
});

describe('time-travel', () => {
  test('block: { number }', () => {
    expect(data('{ owners(block: { number: 1 }) { id age } }')).toEqual({
      owners: [
        { id: 'o1', age: 30 },
        { id: 'o2', age: 25 },
        { id: 'o3', age: null },
      ],
    });
    expect(data('{ pet(id: "p2", block: { number: 1 }) { owner { id } } }')).toEqual({ pet: { owner: { id: 'o2' } } });
    expect(data('{ owners(block: { number: 0 }) { id } }')).toEqual({ owners: [] });
  });

  test('block: { hash } and { number_gte }', () => {
    expect(ids(`{ owners(block: { hash: "${blockPtr(1).hash}" }) { id } }`)).toEqual(['o1', 'o2', 'o3']);
    expect(ids('{ owners(block: { number_gte: 3 }) { id } }')).toEqual(['o1', 'o3', 'o4']);
    expect(errorOf(`{ owners(block: { hash: "0x${'ab'.repeat(32)}" }) { id } }`)).toBe(
      'Failed to decode `block.hash` value: `no block with that hash found`',
    );
  });

  test('blocks not yet indexed are refused with graph-node\'s message', () => {
    expect(errorOf('{ owners(block: { number: 99 }) { id } }')).toBe(
      `Failed to decode \`block.number\` value: \`subgraph ${DEPLOYMENT} has only indexed up to block number 3 and data for block number 99 is therefore not yet available\``,
    );
    expect(errorOf('{ owners(block: { number_gte: 4 }) { id } }')).toBe(
      `Failed to decode \`block.number_gte\` value: \`subgraph ${DEPLOYMENT} has only indexed up to block number 3 and data for block number 4 is therefore not yet available\``,
    );
  });
});

describe('_meta', () => {
  test('latest block, deployment and indexing errors', () => {
    const b = blockPtr(3);
    expect(data('{ _meta { block { number hash timestamp parentHash } deployment hasIndexingErrors } }')).toEqual({
      _meta: { block: { number: 3, hash: b.hash, timestamp: b.timestamp, parentHash: b.parentHash }, deployment: DEPLOYMENT, hasIndexingErrors: false },
    });
  });

  test('a block number constraint reports no hash, as graph-node', () => {
    expect(data('{ _meta(block: { number: 2 }) { block { number hash timestamp } } }')).toEqual({
      _meta: { block: { number: 2, hash: null, timestamp: null } },
    });
  });
});

describe('errors', () => {
  test('unknown fields and arguments fail validation', () => {
    expect(run('{ owners { nope } }')).toEqual({
      errors: [{ message: 'Cannot query field "nope" on type "Owner".', locations: [{ line: 1, column: 12 }] }],
    });
    expect(run('{ ownerz { id } }').errors![0].message).toBe('Cannot query field "ownerz" on type "Query".');
    expect(run('{ owners(where: { nope: 1 }) { id } }').errors).toBeDefined();
    expect(run('{ owners { id ').errors![0].message).toMatch(/^Syntax Error/);
    let deep = '{ id }';
    for (let i = 0; i < 260; i++) deep = `{ favorite { owner ${deep} } }`;
    expect(run(`{ owner(id: "o1") ${deep} }`).errors).toEqual([{ message: 'query has a depth that exceeds the limit of `255`' }]);
  });

  test('indexing errors: deny (the default) hides data, allow returns it, _meta stays', () => {
    store.setIndexingError({ message: 'mapping aborted', block: blockPtr(3) });
    try {
      expect(run('{ owners { id } }')).toEqual({ errors: [{ message: 'indexing_error' }] });
      expect(run('{ owners(subgraphError: deny) { id } }')).toEqual({ errors: [{ message: 'indexing_error' }] });
      // Introspection keeps its data but is told about the error, as on graph-node.
      expect(run('{ __type(name: "Owner") { name } }')).toEqual({
        data: { __type: { name: 'Owner' } },
        errors: [{ message: 'indexing_error' }],
      });
      expect(run('{ owners(subgraphError: allow) { id } }')).toEqual({
        data: { owners: [{ id: 'o1' }, { id: 'o3' }, { id: 'o4' }] },
        errors: [{ message: 'indexing_error' }],
      });
      expect(run('{ owners { id } _meta { hasIndexingErrors } }')).toEqual({
        data: { _meta: { hasIndexingErrors: true } },
        errors: [{ message: 'indexing_error' }],
      });
      expect(run('{ _meta { hasIndexingErrors } }')).toEqual({ data: { _meta: { hasIndexingErrors: true } } });
      // The error is at block 3: as of block 2 there is none.
      expect(run('{ owners(block: { number: 2 }) { id } }')).toEqual({ data: { owners: [{ id: 'o1' }, { id: 'o2' }, { id: 'o3' }] } });
    } finally {
      store.setIndexingError(null);
    }
  });
});

describe('introspection', () => {
  test('the full introspection query of GraphiQL and codegen builds a client schema', () => {
    const result = run(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true }));
    expect(result.errors).toBeUndefined();
    const schema = buildClientSchema(result.data as unknown as IntrospectionQuery);
    expect(printSchema(schema)).toBe(printSchema(api.schema.schema));
  });

  test('the generated schema is visible to tools', () => {
    const d = data(`{
      __schema { queryType { name } }
      filter: __type(name: "Owner_filter") { inputFields { name } }
      order: __type(name: "Pet_orderBy") { enumValues { name } }
      query: __type(name: "Query") { fields { name } }
    }`) as Record<string, any>;
    expect(d.__schema).toEqual({ queryType: { name: 'Query' } });
    const filters = d.filter.inputFields.map((f: { name: string }) => f.name);
    expect(filters).toEqual(
      expect.arrayContaining([
        'name_not_ends_with_nocase',
        'age_not_in',
        'wallet_contains',
        'tags_contains_nocase',
        'favorite_starts_with',
        'favorite_',
        'pets_',
        'profile_',
        '_change_block',
        'and',
        'or',
      ]),
    );
    expect(filters).not.toContain('pets');
    expect(filters).not.toContain('wallet_starts_with');
    expect(d.order.enumValues.map((v: { name: string }) => v.name)).toEqual([
      'id',
      'name',
      'owner',
      'owner__id',
      'owner__name',
      'owner__age',
      'owner__balance',
      'owner__score',
      'owner__active',
      'owner__wallet',
      'owner__bigCount',
      'owner__since',
      'owner__color',
      'weight',
      'kind',
      'toys',
    ]);
    expect(d.query.fields.map((f: { name: string }) => f.name)).toEqual([
      'event', 'events', 'owner', 'owners', 'pet', 'pets', 'profile', 'profiles', 'toy', 'toys', 'named', 'nameds', '_meta',
    ]);
  });
});
