import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Connection, Model } from 'mongoose';
import { ConflictError } from '../errors';
import { isDuplicateKeyError } from './validation';
import { leaseModel, type Lease } from './lease.model';

export interface LeaseOptions {
  /** How long the lease lasts if its holder dies without giving it back (default 30 s). */
  ttlMs?: number;
  /** How long to wait for a lease someone else holds before giving up (default 15 s). */
  waitMs?: number;
}

/** The unique index is what makes a lease exclusive: make sure it exists once per connection. */
const indexed = new WeakMap<Connection, Promise<unknown>>();
function ensureIndexes(connection: Connection, leases: Model<Lease>): Promise<unknown> {
  let ready = indexed.get(connection);
  if (!ready) {
    ready = leases.createIndexes();
    indexed.set(connection, ready);
    ready.catch(() => indexed.delete(connection));
  }
  return ready;
}

/** The lease is held by someone else and did not come free in time. */
export class LeaseBusyError extends ConflictError {
  constructor(
    readonly key: string,
    holder: string,
  ) {
    super(`${key} is busy (held by ${holder}); retry shortly.`);
    this.name = 'LeaseBusyError';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HOLDER = `${hostname()}:${process.pid}`;

/**
 * Runs `action` while holding the exclusive lease `key`, waiting for the current holder if there is
 * one. Works the same on MongoDB and FerretDB 1.x (unique-index insert, delete by token), across
 * processes and API instances. `action` must finish well within `ttlMs`.
 */
export async function withLease<T>(connection: Connection, key: string, action: () => Promise<T>, options: LeaseOptions = {}): Promise<T> {
  const leases: Model<Lease> = leaseModel(connection);
  const ttlMs = options.ttlMs ?? 30_000;
  const deadline = Date.now() + (options.waitMs ?? 15_000);
  const token = randomBytes(16).toString('hex');
  await ensureIndexes(connection, leases);

  for (let attempt = 0; ; attempt += 1) {
    try {
      await leases.create({ key, token, holder: HOLDER, expiresAt: new Date(Date.now() + ttlMs) });
      break;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const current = await leases.findOne({ key }).lean<Lease>();
    if (current && current.expiresAt.getTime() < Date.now()) {
      // Abandoned by a crashed holder: remove exactly that lease (by its token) and try again.
      await leases.deleteOne({ key, token: current.token });
      continue;
    }
    if (Date.now() > deadline) {
      throw new LeaseBusyError(key, current?.holder ?? 'another writer');
    }
    await sleep(Math.min(10 * 2 ** Math.min(attempt, 4), 100) + Math.random() * 10);
  }

  try {
    return await action();
  } finally {
    await leases.deleteOne({ key, token });
  }
}
