import { FhirError } from './fhir.errors';

/*
 * Search parameters and paging of the facade. Parameters are strict: one it does not support, or a
 * value it cannot use, is a 400 naming the parameter (a client should know its filter was not applied).
 */

/** Page sizes, as in GraphQL (`first`). */
export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 100;
/** HL7 v3 PurposeOfUse codes: short upper-case words (TREAT, ETREAT, HRESCH, …). */
const PURPOSE = /^[A-Z][A-Z0-9_-]{1,15}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/** Pages a `_page` token may remember (for its `previous` link). */
const MAX_PAGES_REMEMBERED = 200;

export type Query = Record<string, unknown>;

/** The one value of a parameter, or undefined; repeated values are refused. */
export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw FhirError.badParameter(name, 'may be given once, as a plain value');
  return value;
}

/** Refuses any parameter not in `allowed` (`_format` is always allowed). */
export function onlyParameters(query: Query, allowed: readonly string[]): void {
  for (const name of Object.keys(query)) {
    if (name === '_format' || allowed.includes(name)) continue;
    throw FhirError.badParameter(name, `is not supported here; supported: ${allowed.length > 0 ? allowed.join(', ') : 'none'} (see /fhir/metadata)`);
  }
}

export function countOf(query: Query): number {
  const raw = single(query, '_count');
  if (raw === undefined) return DEFAULT_COUNT;
  const count = Number(raw);
  if (!/^\d+$/.test(raw) || count < 1 || count > MAX_COUNT) throw FhirError.badParameter('_count', `must be a whole number from 1 to ${MAX_COUNT} (got ${raw})`);
  return count;
}

export function purposeOf(query: Query): string {
  const raw = single(query, 'purpose');
  if (raw === undefined) return 'TREAT';
  const code = raw.includes('|') ? raw.slice(raw.indexOf('|') + 1) : raw;
  if (!PURPOSE.test(code)) throw FhirError.badParameter('purpose', `must be an HL7 v3 PurposeOfUse code such as TREAT or ETREAT (got ${raw})`);
  return code;
}

/** An account address from `Patient/0x…`, `0x…` or a did:pkh identifier's address. */
export function addressParameter(query: Query, name: string, options: { required: boolean }): string | undefined {
  const raw = single(query, name);
  if (raw === undefined) {
    if (options.required) throw FhirError.badParameter(name, 'is required (e.g. Patient/0x… with the account address)');
    return undefined;
  }
  const address = raw.replace(/^Patient\//, '');
  if (!ADDRESS.test(address)) throw FhirError.badParameter(name, `must be Patient/<account address> or the address, 0x and 40 hex digits (got ${raw})`);
  return address.toLowerCase();
}

/** A `_lastUpdated` value's time span: a date of any precision covers its whole year, month, day or second. */
function span(value: string): { start: number; end: number } | undefined {
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  if (hour !== undefined && zone === undefined) return undefined;
  const start = Date.parse(
    `${year}-${month ?? '01'}-${day ?? '01'}T${hour ?? '00'}:${minute ?? '00'}:${second ?? '00'}${fraction ?? ''}${zone ?? 'Z'}`,
  );
  if (!Number.isFinite(start)) return undefined;
  const startDate = new Date(start);
  let end: number;
  if (month === undefined) end = Date.UTC(startDate.getUTCFullYear() + 1, 0, 1);
  else if (day === undefined) end = Date.UTC(startDate.getUTCFullYear(), startDate.getUTCMonth() + 1, 1);
  else if (hour === undefined) end = start + 86_400_000;
  else if (second === undefined) end = start + 60_000;
  else if (fraction === undefined) end = start + 1000;
  else end = start + 1;
  return { start, end };
}

/**
 * `_lastUpdated` (repeatable, prefixes eq, ge, gt, le, lt; none is eq) as the range of times it
 * allows: `from` inclusive, `before` exclusive.
 */
export function lastUpdatedOf(query: Query): { from?: Date; before?: Date } {
  const raw = query._lastUpdated;
  if (raw === undefined) return {};
  const values = Array.isArray(raw) ? raw : [raw];
  let from = -Infinity;
  let before = Infinity;
  for (const value of values) {
    if (typeof value !== 'string') throw FhirError.badParameter('_lastUpdated', 'must be a date, e.g. ge2026-01-01');
    const prefix = /^(eq|ge|gt|le|lt)/.exec(value)?.[1] ?? 'eq';
    const time = span(value.replace(/^(eq|ge|gt|le|lt)/, ''));
    if (!time) throw FhirError.badParameter('_lastUpdated', `must be [eq|ge|gt|le|lt] and a FHIR date or dateTime with a time zone (got ${value})`);
    if (prefix === 'eq' || prefix === 'ge') from = Math.max(from, time.start);
    if (prefix === 'gt') from = Math.max(from, time.end);
    if (prefix === 'eq' || prefix === 'le') before = Math.min(before, time.end);
    if (prefix === 'lt') before = Math.min(before, time.start);
  }
  return { ...(from > -Infinity ? { from: new Date(from) } : {}), ...(before < Infinity ? { before: new Date(before) } : {}) };
}

/**
 * Paging: GraphQL pages forward with cursors; the `_page` token is the list of cursors that led to
 * this page, so the `previous` link is the same list without its last cursor.
 */
export function pagesOf(query: Query): string[] {
  const raw = single(query, '_page');
  if (raw === undefined) return [];
  let pages: unknown;
  try {
    pages = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    pages = undefined;
  }
  if (!Array.isArray(pages) || pages.length === 0 || pages.length > MAX_PAGES_REMEMBERED || !pages.every((page) => typeof page === 'string' && page.length <= 200)) {
    throw FhirError.badParameter('_page', "is not a page token of this server: follow the Bundle's next and previous links");
  }
  return pages as string[];
}

function pageToken(pages: string[]): string | undefined {
  if (pages.length === 0) return undefined;
  return Buffer.from(JSON.stringify(pages.slice(-MAX_PAGES_REMEMBERED)), 'utf8').toString('base64url');
}

/** The URL of the same search with `_page` set to `token` (or removed). */
export function withPage(base: string, query: Query, token: string | undefined): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (name === '_page') continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, String(item));
  }
  if (token) params.set('_page', token);
  const search = params.toString();
  return search ? `${base}?${search}` : base;
}

/** The `next` link (when GraphQL says another page follows) and the `previous` one (past the first page). */
export function pageLinks(base: string, query: Query, pages: string[], pageInfo: { hasNextPage: boolean; endCursor: string | null }): { next?: string; previous?: string } {
  return {
    ...(pageInfo.hasNextPage && pageInfo.endCursor ? { next: withPage(base, query, pageToken([...pages, pageInfo.endCursor])) } : {}),
    ...(pages.length > 0 ? { previous: withPage(base, query, pageToken(pages.slice(0, -1))) } : {}),
  };
}
