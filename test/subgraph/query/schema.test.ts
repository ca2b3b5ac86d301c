/**
 * schema.graphql parsing and validation, graph-node's query field names, and the generated query
 * schema of the project's real subgraph.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSchema } from 'graphql';
import { printApiSchema } from '../../../subgraph/local-node/graphql/api-schema';
import { parseInputSchema, SchemaError } from '../../../subgraph/local-node/schema/input-schema';
import { camelCase, pluralize, queryFieldNames } from '../../../subgraph/local-node/schema/names';
import { SCHEMA_SDL } from './fixture/data';

describe('query field names follow graph-node (Inflector 0.11)', () => {
  test.each([
    ['Token', 'token', 'tokens'],
    ['TokenDayData', 'tokenDayData', 'tokenDayDatas'],
    ['Factory', 'factory', 'factories'],
    ['EmergencyAccess', 'emergencyAccess', 'emergencyAccesses'],
    ['AuditBatch', 'auditBatch', 'auditBatches'],
    ['ERC20Token', 'erc20Token', 'erc20Tokens'],
    ['Sheep', 'sheep', 'sheeps'], // the uncountable list is lower-case and matched case-sensitively
    ['Person', 'person', 'persons'],
    ['Status', 'status', 'statuses'],
    ['Bonus', 'bonus', 'bonuses'],
    ['Analysis', 'analysis', 'analyses'],
    ['Leaf', 'leaf', 'leaves'],
    ['Knife', 'knife', 'knifes'], // rules are case-sensitive: `kni` does not match `Kni`
    ['Key', 'key', 'keys'],
    ['Consents', 'consents', 'consents_collection'],
  ])('%s → %s / %s', (type, single, collection) => {
    expect(queryFieldNames(type)).toEqual({ single, collection });
  });

  test('lower-level helpers', () => {
    expect(camelCase('foo_bar')).toBe('fooBar');
    expect(camelCase('NFTOwner')).toBe('nftowner');
    expect(pluralize('ox')).toBe('oxen');
    expect(pluralize('news')).toBe('news');
    expect(queryFieldNames('sheep')).toEqual({ single: 'sheep', collection: 'sheep_collection' });
  });
});

describe('schema validation', () => {
  const bad = (sdl: string): string => {
    try {
      parseInputSchema(sdl);
    } catch (e) {
      expect(e).toBeInstanceOf(SchemaError);
      return (e as Error).message;
    }
    throw new Error('schema was accepted');
  };

  test('the fixture parses into entity types with their field kinds', () => {
    const s = parseInputSchema(SCHEMA_SDL);
    expect([...s.entities.keys()]).toEqual(['Owner', 'Pet', 'Toy', 'Profile', 'Event']);
    const owner = s.entities.get('Owner')!;
    expect(owner.immutable).toBe(false);
    expect(s.entities.get('Event')!.immutable).toBe(true);
    expect(s.entities.get('Profile')!.idType).toBe('Bytes');
    expect(owner.fieldMap.get('pets')).toMatchObject({ kind: 'entity', list: true, derivedFrom: 'owner', column: -1 });
    expect(owner.fieldMap.get('color')).toMatchObject({ kind: 'enum', storage: 'String' });
    expect(owner.fieldMap.get('tags')).toMatchObject({ list: true, itemNonNull: true, nonNull: false });
    expect(s.interfaces.get('Named')!.implementers).toEqual(['Pet', 'Toy']);
    expect(s.concreteTypes('Named').map((e) => e.name)).toEqual(['Pet', 'Toy']);
  });

  test.each([
    ['type A { id: ID! }', 'Type `A` must be an entity: add @entity(immutable: true|false) to it'],
    ['type A @entity { name: String }', 'Entity type `A` has no `id` field; add `id: ID!` or `id: Bytes!`'],
    ['type A @entity { id: Int! }', 'Entity type `A`: `id` must be of type ID!, String!, Bytes! or Int8!, not Int!'],
    ['type A @entity { id: ID, x: Int }', 'Entity type `A`: `id` must be of type ID!, String!, Bytes! or Int8!, not ID'],
    ['type A @entity { id: ID! b: Nope }', 'Field `A.b` has unknown type `Nope`; define it or use a built-in scalar'],
    ['type A @entity { id: ID! b: Float }', 'Field `A.b`: Float is not supported by subgraphs; use BigDecimal or Int'],
    ['type A @entity { id: ID! b: [[Int]] }', 'Field `A.b`: lists of lists are not supported'],
    ['type A @entity { id: ID! b: [B!]! @derivedFrom(field: "a") } type B @entity { id: ID! }', 'Field `A.b`: @derivedFrom(field: "a") names no field of `B`'],
    [
      'type A @entity { id: ID! b: [B!]! @derivedFrom(field: "x") } type B @entity { id: ID! x: String }',
      'Field `A.b`: @derivedFrom(field: "x") must name a field of `B` that references `A`, but it has type String',
    ],
    ['type A @entity { id: ID! b: Int @derivedFrom(field: "x") }', 'Field `A.b`: @derivedFrom is only allowed on fields that reference entities'],
    ['type A @entity(immutable: "yes") { id: ID! }', 'Type `A`: the `immutable` argument of @entity must be true or false'],
    ['type Query @entity { id: ID! }', 'Type name `Query` is reserved by the query API; rename the type'],
    ['interface I { id: ID! n: Int } type A implements I @entity { id: ID! }', 'Entity type `A` implements `I` but lacks its field `n`'],
    ['type A @entity { id: ID! a__b: Int }', 'Field `A.a__b`: field names may not contain `__` (it separates nested fields in orderBy)'],
    ['type A @entity { id: ID! } type A @entity { id: ID! }', 'Type `A` is defined more than once'],
    ['type A @entity { id: ID!', expect.stringMatching(/^schema.graphql does not parse: Syntax Error/)],
  ])('%s', (sdl, message) => {
    expect(bad(sdl)).toEqual(message);
  });
});

describe('the generated query schema', () => {
  test('is a valid GraphQL schema with graph-node\'s argument lists', () => {
    const printed = printApiSchema(SCHEMA_SDL);
    const schema = buildSchema(printed);
    const owners = schema.getQueryType()!.getFields().owners;
    expect(owners.args.map((a) => `${a.name}: ${a.type}${a.defaultValue !== undefined ? ` = ${a.defaultValue}` : ''}`)).toEqual([
      'skip: Int = 0',
      'first: Int = 100',
      'orderBy: Owner_orderBy',
      'orderDirection: OrderDirection',
      'where: Owner_filter',
      'block: Block_height',
      'subgraphError: _SubgraphErrorPolicy_! = deny',
    ]);
    expect(String(owners.type)).toBe('[Owner!]!');
    const owner = schema.getQueryType()!.getFields().owner;
    expect(owner.args.map((a) => `${a.name}: ${a.type}`)).toEqual(['id: ID!', 'block: Block_height', 'subgraphError: _SubgraphErrorPolicy_!']);
    const pets = (schema.getType('Owner') as import('graphql').GraphQLObjectType).getFields().pets;
    expect(pets.args.map((a) => a.name)).toEqual(['skip', 'first', 'orderBy', 'orderDirection', 'where']);
    expect(printed).toContain('"""Access to subgraph metadata"""');
  });

  test('names that collide with generated ones are refused', () => {
    expect(() => printApiSchema('type A @entity(immutable: true) { id: ID! } enum A_orderBy { x }')).toThrow(
      'type A_orderBy already exists in the input schema; the query API generates it for `A`',
    );
    expect(() => printApiSchema('type Datum @entity(immutable: true) { id: ID! } type Datums @entity(immutable: true) { id: ID! }')).toThrow(
      /both produce the query field `datums`/,
    );
  });

  test('the project\'s subgraph/schema.graphql parses and its query schema prints', () => {
    const file = path.join(__dirname, '../../../subgraph/schema.graphql');
    const sdl = fs.readFileSync(file, 'utf8');
    const input = parseInputSchema(sdl);
    expect(input.entities.size).toBeGreaterThan(0);
    const schema = buildSchema(printApiSchema(sdl));
    for (const name of input.entities.keys()) {
      const { single, collection } = queryFieldNames(name);
      expect(schema.getQueryType()!.getFields()[single]).toBeDefined();
      expect(schema.getQueryType()!.getFields()[collection]).toBeDefined();
    }
  });
});
