/**
 * The data set of the query benchmark: 10,000 accounts and 100,000 consents written through the
 * store's BlockWriter over 100 blocks, then 100 blocks that revoke or renew 20,000 consents, so
 * that time-travel queries see real history (about 130,000 entity versions).
 */
import { createEntityStore, type QueryableEntityStore } from '../store';
import { ValueKind, type BlockPtr, type Value } from '../store/types';

export const BENCH_SCHEMA = `
enum Scope { ALL OBSERVATION CONDITION MEDICATION IMMUNIZATION }

type Account @entity(immutable: false) {
  id: Bytes!
  name: String!
  verified: Boolean!
  consentCount: Int!
  consents: [Consent!]! @derivedFrom(field: "patient")
}

type Consent @entity(immutable: false) {
  id: Bytes!
  patient: Account!
  grantee: Account!
  scope: Scope!
  purpose: String!
  active: Boolean!
  expiresAt: BigInt!
  createdAt: BigInt!
}
`;

export const ACCOUNTS = 10_000;
export const CONSENTS = 100_000;
export const CREATE_BLOCKS = 100;
export const UPDATE_BLOCKS = 100;
export const SCOPES = ['ALL', 'OBSERVATION', 'CONDITION', 'MEDICATION', 'IMMUNIZATION'];
export const PURPOSES = ['TREAT', 'ETREAT', 'HPAYMT', 'HRESCH', 'PUBHLTH'];

export const accountId = (i: number): string => `0x${(0xacc00000 + i).toString(16).padStart(40, '0')}`;
export const consentId = (i: number): string => `0x${(0xc0000000 + i).toString(16).padStart(64, '0')}`;

const hex = (s: string): Value => ({ kind: ValueKind.Bytes, value: new Uint8Array(Buffer.from(s.slice(2), 'hex')) });
const str = (value: string): Value => ({ kind: ValueKind.String, value });
const bool = (value: boolean): Value => ({ kind: ValueKind.Bool, value });
const int = (value: number): Value => ({ kind: ValueKind.Int, value });
const big = (value: number): Value => ({ kind: ValueKind.BigInt, value: BigInt(value) });

function block(n: number): BlockPtr {
  const h = (x: number): string => `0x${x.toString(16).padStart(64, '0')}`;
  return { number: n, hash: h(0xbeef0000 + n), timestamp: 1_700_000_000 + 12 * n, parentHash: h(0xbeef0000 + n - 1) };
}

/** A deterministic generator, so every run measures the same data. */
function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** Fills a new store (journaled to `dataDir` when given) with the benchmark's data set. */
export async function fillBenchStore(dataDir?: string): Promise<QueryableEntityStore> {
  const store = await createEntityStore({ schemaSdl: BENCH_SCHEMA, dataDir });
  const rand = lcg(20260101);
  const counts = new Array<number>(ACCOUNTS).fill(0);
  const perBlock = CONSENTS / CREATE_BLOCKS;
  const accountsPerBlock = ACCOUNTS / CREATE_BLOCKS;
  for (let b = 1; b <= CREATE_BLOCKS; b++) {
    const w = store.beginBlock(block(b));
    for (let a = (b - 1) * accountsPerBlock; a < b * accountsPerBlock; a++) {
      w.set('Account', accountId(a), new Map([
        ['id', hex(accountId(a))],
        ['name', str(`account-${a}`)],
        ['verified', bool(a % 2 === 0)],
        ['consentCount', int(0)],
      ]));
    }
    for (let c = (b - 1) * perBlock; c < b * perBlock; c++) {
      const patient = rand(b * accountsPerBlock);
      const grantee = rand(b * accountsPerBlock);
      counts[patient]++;
      w.set('Consent', consentId(c), new Map([
        ['id', hex(consentId(c))],
        ['patient', hex(accountId(patient))],
        ['grantee', hex(accountId(grantee))],
        ['scope', str(SCOPES[rand(SCOPES.length)])],
        ['purpose', str(PURPOSES[rand(PURPOSES.length)])],
        ['active', bool(true)],
        ['expiresAt', big(1_800_000_000 + rand(100_000_000))],
        ['createdAt', big(1_700_000_000 + 12 * b)],
      ]));
    }
    w.commit();
  }
  for (let b = CREATE_BLOCKS + 1; b <= CREATE_BLOCKS + UPDATE_BLOCKS; b++) {
    const w = store.beginBlock(block(b));
    for (let i = 0; i < (0.2 * CONSENTS) / UPDATE_BLOCKS; i++) {
      const c = rand(CONSENTS);
      if (rand(2) === 0) w.set('Consent', consentId(c), new Map([['active', bool(false)]]));
      else w.set('Consent', consentId(c), new Map([['expiresAt', big(1_900_000_000 + rand(100_000_000))]]));
    }
    for (let i = 0; i < 50; i++) {
      const a = rand(ACCOUNTS);
      w.set('Account', accountId(a), new Map([['consentCount', int(counts[a])]]));
    }
    w.commit();
  }
  return store;
}
