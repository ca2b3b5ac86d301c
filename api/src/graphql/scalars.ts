import {
  GraphQLError,
  GraphQLScalarType,
  Kind,
  defaultFieldResolver,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  print,
  type GraphQLArgument,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import { parseIdentifier, type IdentifierForm } from '../database/validation';
import { BadInputError, type InputIssue } from '../errors';

/**
 * The identifier scalars of the API: `Address` (an account, 0x and 40 hex digits) and `Bytes32` (record,
 * request, treatment ids and commitments, 0x and 64 hex digits). Each parses and checks its input once,
 * in any case, and hands resolvers and permission rules the lowercase form.
 *
 * A malformed value is not refused while the request is parsed: graphql-js would then answer for the
 * whole request, naming a variable rather than the argument (one variable can feed several), with HTTP
 * 400. The API's promise is BAD_USER_INPUT naming the argument (`extensions.field`, e.g. `input.recordId`)
 * on the field that received it, so the scalar parses it to a `MalformedInput` and `checkArguments`
 * refuses it before that field's permission rule or resolver sees it.
 */

/** What an identifier scalar parses a malformed string to: what is wrong with it, for the field that received it. */
export class MalformedInput {
  constructor(readonly problem: string) {}
}

function identifierScalar(name: string, form: IdentifierForm, description: string): GraphQLScalarType<string | MalformedInput, string> {
  const parse = (value: string) => {
    const parsed = parseIdentifier(form, value);
    return 'problem' in parsed ? new MalformedInput(parsed.problem) : parsed.value;
  };
  return new GraphQLScalarType<string | MalformedInput, string>({
    name,
    description,
    // Answers are the stored, lowercase form.
    serialize(value) {
      if (typeof value !== 'string') throw new GraphQLError(`${name} cannot represent a non string value: ${JSON.stringify(value)}`);
      return value;
    },
    // A value of another JSON type is refused as String refuses it; a string of the wrong form is the field's error.
    parseValue(value) {
      if (typeof value !== 'string') throw new GraphQLError(`${name} cannot represent a non string value: ${JSON.stringify(value)}`);
      return parse(value);
    },
    parseLiteral(ast: ValueNode) {
      if (ast.kind !== Kind.STRING) throw new GraphQLError(`${name} cannot represent a non string value: ${print(ast)}`, { nodes: ast });
      return parse(ast.value);
    },
  });
}

export const Address = identifierScalar(
  'Address',
  'address',
  'An Ethereum account address: 0x and 40 hex digits, in any case (checksummed or not); answered in lowercase.',
);

export const Bytes32 = identifierScalar(
  'Bytes32',
  'bytes32',
  'A 32-byte value (a record, request or treatment id, a commitment): 0x and 64 hex digits, in any case; answered in lowercase.',
);

const IDENTIFIER_SCALARS = new Set<string>([Address.name, Bytes32.name]);

/** Whether a value of `type` can hold an identifier scalar (directly, in a list, or in an input object's fields). */
function holdsIdentifier(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (IDENTIFIER_SCALARS.has(named.name)) return true;
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((field) => holdsIdentifier(field.type, seen));
}

/** Every malformed identifier in `value` of `type`, by its argument path (`input.recordId`, `ids[2]`). */
function malformed(type: GraphQLInputType, value: unknown, path: string, found: InputIssue[]): void {
  if (value === null || value === undefined) return;
  if (isNonNullType(type)) return malformed(type.ofType, value, path, found);
  if (value instanceof MalformedInput) {
    found.push({ field: path, message: value.problem });
    return;
  }
  if (isListType(type) && Array.isArray(value)) {
    value.forEach((item, index) => malformed(type.ofType, item, `${path}[${index}]`, found));
    return;
  }
  if (isInputObjectType(type)) {
    const fields = value as Record<string, unknown>;
    for (const field of Object.values(type.getFields())) malformed(field.type, fields[field.name], `${path}.${field.name}`, found);
  }
}

function refuseMalformed(args: readonly GraphQLArgument[], values: Record<string, unknown>): void {
  const found: InputIssue[] = [];
  for (const arg of args) malformed(arg.type, values[arg.name], arg.name, found);
  if (found.length > 0) throw new BadInputError(found);
}

/**
 * Makes every field with an identifier argument refuse a malformed one (BAD_USER_INPUT naming each, the
 * first in `extensions.field`) before anything else of the field runs: wrap the schema whose resolvers are
 * final (the shielded one), so permission rules only ever see checked, lowercase identifiers.
 */
export function checkArguments(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const args = field.args.filter((arg) => holdsIdentifier(arg.type));
      if (args.length === 0) continue;
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      field.resolve = (parent, values, ctx, info) => {
        refuseMalformed(args, values);
        return resolve(parent, values, ctx, info);
      };
      const subscribe = field.subscribe;
      if (subscribe) {
        field.subscribe = (parent, values, ctx, info) => {
          refuseMalformed(args, values);
          return subscribe(parent, values, ctx, info);
        };
      }
    }
  }
  return schema;
}
