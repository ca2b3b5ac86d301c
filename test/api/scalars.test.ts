/**
 * The identifier scalars: Address and Bytes32 parse an argument once, hand it on lowercase, and a
 * malformed one is the field's BAD_USER_INPUT naming the argument path (literal or variable), before the
 * field's resolver runs; a value of another type is refused with the request, as String refuses it.
 */
import { execute, parse, validate, type ExecutionResult } from 'graphql';
import { buildApiSchema } from '../../api/src/app/schema';
import { toGraphQLError } from '../../api/src/graphql/errors';
import { checkArguments } from '../../api/src/graphql/scalars';

const schema = checkArguments(buildApiSchema());

/** Runs `query` without a context: only fields that need none (Query.patient and Patient.address) resolve. */
async function run(query: string, variableValues?: Record<string, unknown>): Promise<ExecutionResult> {
  const document = parse(query);
  const problems = validate(schema, document);
  if (problems.length > 0) return { errors: problems };
  return (await execute({ schema, document, variableValues, contextValue: {} })) as ExecutionResult;
}

const extensionsOf = (result: ExecutionResult) => toGraphQLError(result.errors![0]!.originalError).extensions;

describe('Address and Bytes32', () => {
  const checksummed = '0xAbCdEf0123456789aBcDeF0123456789ABCDEF01';

  it('hands a checksummed address on lowercase, from a literal and from a variable', async () => {
    expect((await run(`{ patient(address: "${checksummed}") { address } }`)).data).toEqual({ patient: { address: checksummed.toLowerCase() } });
    const viaVariable = await run('query ($a: Address!) { patient(address: $a) { address } }', { a: checksummed });
    expect(viaVariable.data).toEqual({ patient: { address: checksummed.toLowerCase() } });
  });

  it('refuses a malformed address as BAD_USER_INPUT naming the argument and the expected form', async () => {
    for (const result of [
      await run('{ patient(address: "not-an-address") { address } }'),
      await run('query ($a: Address!) { patient(address: $a) { address } }', { a: 'not-an-address' }),
    ]) {
      expect(result.data).toBeNull();
      expect(result.errors).toHaveLength(1);
      expect(result.errors![0]!.path).toEqual(['patient']);
      expect(extensionsOf(result)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'address',
        fields: [{ field: 'address', message: 'must be a 0x-prefixed 20-byte hex address (got "not-an-address")' }],
      });
    }
  });

  it('names the input field of a malformed Bytes32 by its path, and every malformed one', async () => {
    const result = await run(
      'mutation ($input: AmendRecordInput!) { amendRecord(input: $input) { recordId } }',
      { input: { recordId: '0x12', currentCommitment: 'latest', content: {} } },
    );
    expect(extensionsOf(result)).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.recordId',
      fields: [
        { field: 'input.recordId', message: 'must be 0x followed by 64 hex digits (got "0x12")' },
        { field: 'input.currentCommitment', message: 'must be 0x followed by 64 hex digits (got "latest")' },
      ],
    });
  });

  it('refuses a value that is not a string with the request, as String does', async () => {
    const literal = await run('{ patient(address: 42) { address } }');
    expect(literal.data).toBeUndefined();
    expect(literal.errors![0]!.message).toContain('Address cannot represent a non string value: 42');
    const variable = await run('query ($a: Address!) { patient(address: $a) { address } }', { a: 42 });
    expect(variable.data).toBeUndefined();
    expect(variable.errors![0]!.message).toContain('Address cannot represent a non string value: 42');
  });
});
