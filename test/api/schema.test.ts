/**
 * The committed api/schema.graphql is the contract with clients: it must equal what the code builds.
 * And the permission rule tree must name every object type and field, so nothing is open by accident.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isIntrospectionType, isObjectType } from 'graphql';
import { buildApiSchema, printApiSchema } from '../../api/src/app/schema';
import { ruleTree } from '../../api/src/app/permissions';

describe('API schema', () => {
  it('equals the committed api/schema.graphql (run `npm run codegen:api` after changing types)', () => {
    const committed = readFileSync(path.resolve(__dirname, '../../api/schema.graphql'), 'utf8');
    expect(printApiSchema()).toBe(committed);
  });

  it('has an explicit permission rule for every object type', () => {
    const schema = buildApiSchema();
    const types = Object.values(schema.getTypeMap()).filter((type) => isObjectType(type) && !isIntrospectionType(type));
    const missing = types.map((type) => type.name).filter((name) => !(name in (ruleTree as object)));
    expect(missing).toEqual([]);
  });

  it('names a rule for every Query and Mutation field (no field falls back to deny by accident)', () => {
    const schema = buildApiSchema();
    for (const root of [schema.getQueryType()!, schema.getMutationType()!]) {
      const rules = (ruleTree as Record<string, Record<string, unknown>>)[root.name]!;
      expect(Object.keys(root.getFields()).filter((field) => !(field in rules))).toEqual([]);
    }
  });
});
