import { randomBytes } from 'node:crypto';
import type { Model } from 'mongoose';
import { TurnBatch } from '../database/turn-batch';
import { normalizeAddress, normalizeBytes32, translateWriteError } from '../database/validation';
import { BadInputError } from '../errors';
import { AUDIT_DECISIONS, PURPOSE_PATTERN, type AuditDecision, type AuditEntry } from './audit-entry.model';

/** What the caller states about one read of record contents; id and time are added here. */
export interface AuditEntryInput {
  actor: string;
  patient: string;
  recordId: string;
  recordVersion: number;
  category: string;
  purpose: string;
  decision: AuditDecision;
}

/** Upper bound of one page of the audit trail. */
export const MAX_TRAIL_PAGE = 100;

/** The append-only access audit log. Entries are never updated except to assign their batch. */
export class AuditLogService {
  /** Entries appended during one event-loop turn (concurrent requests' pages) go in one insert. */
  private readonly writes: TurnBatch<AuditEntry, AuditEntry>;

  constructor(private readonly entries: Model<AuditEntry>) {
    this.writes = new TurnBatch(async (documents) => {
      try {
        // `validate` checked and normalized every field the schema constrains, so the entries go in as
        // they are (no mongoose documents built and validated a second time).
        await this.entries.collection.insertMany(documents.map((document) => ({ ...document })), { ordered: true });
      } catch (error) {
        throw translateWriteError(error, 'An audit entry id collided; retry the request.');
      }
      return documents;
    });
  }

  private validate(input: AuditEntryInput, index: number): Omit<AuditEntry, 'entryId' | 'at' | 'batchId'> {
    const field = (name: string) => `entries[${index}].${name}`;
    if (!PURPOSE_PATTERN.test(input.purpose)) {
      throw new BadInputError([{ field: field('purpose'), message: 'must be an HL7 v3 PurposeOfUse code such as TREAT or HRESCH' }]);
    }
    if (!AUDIT_DECISIONS.includes(input.decision)) {
      throw new BadInputError([{ field: field('decision'), message: `must be one of ${AUDIT_DECISIONS.join(', ')}` }]);
    }
    return {
      actor: normalizeAddress(input.actor, field('actor')),
      patient: normalizeAddress(input.patient, field('patient')),
      recordId: normalizeBytes32(input.recordId, field('recordId')),
      recordVersion: input.recordVersion,
      category: input.category,
      purpose: input.purpose,
      decision: input.decision,
    };
  }

  /**
   * Appends entries and resolves only once the database acknowledged them (majority write concern where
   * the server has replicas). Throws, writing nothing, if any entry is invalid. Entries of calls made
   * during the same event-loop turn share one insert; if it fails, every one of those calls throws.
   */
  async append(inputs: readonly AuditEntryInput[]): Promise<AuditEntry[]> {
    if (inputs.length === 0) return [];
    const at = new Date();
    // The entries' random ids from one call to the system's generator, 32 bytes each.
    const ids = randomBytes(32 * inputs.length).toString('hex');
    const documents: AuditEntry[] = inputs.map((input, index) => ({
      ...this.validate(input, index),
      entryId: `0x${ids.slice(64 * index, 64 * (index + 1))}`,
      at,
      batchId: 0,
    }));
    return this.writes.add(documents);
  }

  /** One entry by id, or null. */
  async entry(entryId: string): Promise<AuditEntry | null> {
    return this.entries.findOne({ entryId: normalizeBytes32(entryId, 'entryId') }).lean<AuditEntry>();
  }

  /**
   * Entries about `patient`, newest first: `first` of them after the entry `after` (a cursor). A full
   * page and one entry more may be read (the one more tells whether another page follows).
   */
  async trail(patient: string, first: number, after: string | null = null): Promise<AuditEntry[]> {
    const owner = normalizeAddress(patient, 'patient');
    if (!Number.isInteger(first) || first < 1 || first > MAX_TRAIL_PAGE + 1) {
      throw new BadInputError([{ field: 'first', message: `must be a whole number from 1 to ${MAX_TRAIL_PAGE}` }]);
    }
    const filter: Record<string, unknown> = { patient: owner };
    if (after) {
      const cursor = await this.entries.findOne({ entryId: normalizeBytes32(after, 'after'), patient: owner }).lean<AuditEntry>();
      if (!cursor) throw new BadInputError([{ field: 'after', message: 'is not an entry of this patient’s audit trail' }]);
      filter.$or = [{ at: { $lt: cursor.at } }, { at: cursor.at, entryId: { $lt: cursor.entryId } }];
    }
    return this.entries.find(filter).sort({ at: -1, entryId: -1 }).limit(first).lean<AuditEntry[]>();
  }
}
