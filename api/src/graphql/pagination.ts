import { ArgsType, Field, Int, ObjectType } from 'type-graphql';
import { badInput } from './errors';

/** Most items one page may hold; `first` above this is refused. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

@ObjectType({ description: 'Where a page ends and whether another follows.' })
export class PageInfo {
  @Field(() => String, { nullable: true, description: 'Pass as `after` to read the next page.' })
  endCursor!: string | null;

  @Field({ description: 'Whether there are more items after this page.' })
  hasNextPage!: boolean;
}

/** Checks `first` (1 to MAX_PAGE_SIZE) and decodes `after`; BAD_USER_INPUT names the argument. */
export function pageArgs(
  first: number | undefined | null,
  after: string | undefined | null,
  { max = MAX_PAGE_SIZE, hexIds = true }: { max?: number; hexIds?: boolean } = {},
): { first: number; after: string | null } {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > max) throw badInput('first', `must be between 1 and ${max} (got ${size})`);
  if (after === undefined || after === null) return { first: size, after: null };
  let decoded: string;
  try {
    decoded = Buffer.from(after, 'base64url').toString('utf8');
  } catch {
    decoded = '';
  }
  if (!(hexIds ? /^id:0x[0-9a-f]{2,128}$/ : /^id:[0-9A-Za-z_-]{1,128}$/).test(decoded)) throw badInput('after', 'is not a cursor this API returned (use pageInfo.endCursor)');
  return { first: size, after: decoded.slice(3) };
}

/** The cursor of an item in an id-ordered list. */
export function cursorOf(id: string): string {
  return Buffer.from(`id:${id}`, 'utf8').toString('base64url');
}

/** Cuts a list fetched with `first + 1` into a page and its PageInfo. */
export function page<T extends { id: string }>(items: T[], first: number): { nodes: T[]; pageInfo: PageInfo } {
  const nodes = items.slice(0, first);
  const last = nodes[nodes.length - 1];
  return { nodes, pageInfo: { endCursor: last ? cursorOf(last.id) : null, hasNextPage: items.length > first } };
}

/** A connection type `<Name>Connection { nodes: [Node!]!, pageInfo: PageInfo! }`. */
export function Connection<T extends object>(node: new () => T, name: string) {
  @ObjectType(`${name}Connection`, { description: `A page of ${name} items.` })
  class ConnectionClass {
    @Field(() => [node])
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionClass;
}

/** `first` and `after` of a paginated list field. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100 (default 20).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' })
  after?: string | null;
}
