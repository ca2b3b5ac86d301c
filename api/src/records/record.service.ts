import { randomBytes } from 'node:crypto';
import type { Model } from 'mongoose';
import type { AuditLogService } from '../audit/audit-log.service';
import type { AuditDecision } from '../audit/audit-entry.model';
import { findEach } from '../database/find-each';
import { withLease } from '../database/lease';
import { TurnBatch } from '../database/turn-batch';
import { normalizeAddress, normalizeBytes32, translateWriteError } from '../database/validation';
import { BadInputError, ConflictError, ForbiddenError, NotFoundError } from '../errors';
import { canonicalBytes, parseCanonical } from './canonical-json';
import { categoryCode, commitmentPreimage, computeCommitment, newSalt, splitPreimage } from './commitment';
import { validateFhirResource, type FhirResource } from './fhir-validator';
import type { MasterKey } from './master-key';
import { sealContent, versionContext } from './record-crypto';
import { asBuffer, VersionOpener } from './version-opener';
import { STORED_RECORD, type RecordDoc, type RecordStatus, type RecordVersion } from './record.model';

/** What a writer gets back: exactly what the RecordRegistry transaction needs. */
export interface RecordReceipt {
  recordId: string;
  patient: string;
  /** The FHIR resource type, and its bytes32 form for the contract. */
  category: string;
  categoryCode: string;
  version: number;
  commitment: string;
  /** The commitment this version replaces (amendments only). */
  previousCommitment?: string;
}

/** A record without its contents: safe to return without an audit entry. */
export interface RecordSummary {
  recordId: string;
  patient: string;
  category: string;
  status: RecordStatus;
  currentVersion: number;
  /** Author of the first version. */
  author: string;
  /** Author of the newest version. */
  lastAuthor: string;
  commitment: string;
  createdAt: Date;
  updatedAt: Date;
  erasedAt?: Date;
}

/** Everything known about a read before the content is decrypted: what authorization decides on. */
export interface ReadRequest {
  recordId: string;
  patient: string;
  category: string;
  version: number;
  reader: string;
  purpose: string;
}

/**
 * Record documents as stored (contents encrypted) by id, in the order asked, null where none: what
 * `RecordService.documents` answers. Reads that share one (a request's DataLoader) query the store once.
 */
export type RecordDocuments = (recordIds: readonly string[]) => Promise<(RecordDoc | null)[]>;

/**
 * Decides whether a read may happen (e.g. the patient themself, or a chain consent view). It runs
 * before anything is decrypted; its answer is written to the audit log either way.
 */
export type ReadAuthorizer = (request: ReadRequest) => Promise<boolean> | boolean;

/** The outcome of an allowed read. */
export interface RecordRead {
  record: RecordSummary;
  /** The audit entry written before the content was decrypted. */
  auditEntryId: string;
  /** The FHIR resource, or null when the record is erased. */
  content: FhirResource | null;
  /** keccak256(salt || canonical content) recomputed from what was decrypted (null when erased). */
  commitment: string | null;
  version: number;
}

/** A record version holds encrypted content only while the record is not erased. */
interface SealedVersion extends RecordVersion {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  wrappedKey: NonNullable<RecordVersion['wrappedKey']>;
}

function isSealed(version: RecordVersion): version is SealedVersion {
  return Boolean(version.ciphertext && version.iv && version.tag && version.wrappedKey);
}

function buffersOf(version: SealedVersion): SealedVersion {
  return {
    ...version,
    iv: asBuffer(version.iv),
    ciphertext: asBuffer(version.ciphertext),
    tag: asBuffer(version.tag),
    wrappedKey: {
      keyId: version.wrappedKey.keyId,
      iv: asBuffer(version.wrappedKey.iv),
      ciphertext: asBuffer(version.wrappedKey.ciphertext),
      tag: asBuffer(version.wrappedKey.tag),
    },
  };
}

/** Projection that leaves every encrypted field out, for reads that return no content. */
const WITHOUT_CONTENT = { ...STORED_RECORD, 'versions.ciphertext': 0, 'versions.wrappedKey': 0, 'versions.iv': 0, 'versions.tag': 0 } as const;

function summaryOf(doc: RecordDoc): RecordSummary {
  const first = doc.versions[0]!;
  const last = doc.versions[doc.versions.length - 1]!;
  return {
    recordId: doc.recordId,
    patient: doc.patient,
    category: doc.category,
    status: doc.status,
    currentVersion: doc.currentVersion,
    author: first.author,
    lastAuthor: last.author,
    commitment: last.commitment,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    erasedAt: doc.erasedAt,
  };
}

/**
 * Encrypted record contents. Contents are FHIR R4 resources, validated, canonicalised (RFC 8785),
 * committed to with a fresh salt and sealed with a fresh data key per version. The only way to get
 * contents back is `readEach`, which writes the audit entry before it decrypts anything. The integrity
 * check of stored contents against the chain is `RecordIntegrityChecker` (record-integrity.batch.ts).
 */
export class RecordService {
  constructor(
    private readonly records: Model<RecordDoc>,
    private readonly masterKey: MasterKey,
    private readonly audit: AuditLogService,
  ) {}

  private seal(recordId: string, version: number, author: string, content: FhirResource) {
    const canonical = canonicalBytes(content);
    const salt = newSalt();
    const commitment = computeCommitment(salt, canonical);
    const sealed = sealContent(this.masterKey, commitmentPreimage(salt, canonical), versionContext(recordId, version));
    const stored: RecordVersion = { version, author, commitment, createdAt: new Date(), ...sealed };
    return { stored, commitment };
  }

  /** Validates and stores a new record; the caller then anchors the receipt's commitment on-chain. */
  async create(input: { patient: string; author: string; content: unknown }): Promise<RecordReceipt> {
    const patient = normalizeAddress(input.patient, 'patient');
    const author = normalizeAddress(input.author, 'author');
    const content = validateFhirResource(input.content);
    const category = content.resourceType;
    const code = categoryCode(category);
    const recordId = `0x${randomBytes(32).toString('hex')}`;
    const { stored, commitment } = this.seal(recordId, 1, author, content);
    try {
      await this.records.create({ recordId, patient, category, currentVersion: 1, versions: [stored], status: 'active' });
    } catch (error) {
      throw translateWriteError(error, 'A record id collided; retry the request.');
    }
    return { recordId, patient, category, categoryCode: code, version: 1, commitment };
  }

  /**
   * Appends a version; the content must be of the record's resource type. With `currentCommitment`
   * (the version the writer amends, which the caller checked is the chain's current one) the new
   * version follows that version, and versions stored after it, prepared but never anchored, are
   * replaced; a commitment the record does not hold is a ConflictError naming `currentCommitment`.
   */
  async amend(input: { recordId: string; author: string; content: unknown; currentCommitment?: string }): Promise<RecordReceipt> {
    const recordId = normalizeBytes32(input.recordId, 'recordId');
    const author = normalizeAddress(input.author, 'author');
    const amended = input.currentCommitment === undefined ? undefined : normalizeBytes32(input.currentCommitment, 'currentCommitment');
    const content = validateFhirResource(input.content);
    // One writer per record at a time (see database/lease.ts for why not a conditional update alone).
    return withLease(this.records.db, `record:${recordId}`, async () => {
      const current = await this.load(recordId);
      if (current.status === 'erased') throw new ConflictError(`Record ${recordId} is erased and cannot be amended.`, 'recordId');
      if (content.resourceType !== current.category) {
        throw new BadInputError([
          { field: 'content.resourceType', message: `must stay ${current.category}, the type of record ${recordId}` },
        ]);
      }
      const baseIndex = amended === undefined ? current.versions.length - 1 : current.versions.findIndex((v) => v.commitment === amended);
      if (baseIndex < 0) {
        throw new ConflictError(`Record ${recordId} has no stored version with commitment ${amended}; reload the record and amend its newest version.`, 'currentCommitment');
      }
      const base = current.versions[baseIndex]!;
      const version = base.version + 1;
      const { stored, commitment } = this.seal(recordId, version, author, content);
      const kept = current.versions.slice(0, baseIndex + 1);
      const update =
        kept.length === current.versions.length
          ? { $push: { versions: stored }, $set: { currentVersion: version } }
          : { $set: { versions: [...kept.map((v) => buffersOf(v as SealedVersion)), stored], currentVersion: version } };
      const result = await this.records.updateOne({ recordId, status: 'active', currentVersion: current.currentVersion }, update);
      if (result.modifiedCount !== 1) {
        throw new ConflictError(`Record ${recordId} changed while it was being amended (it is no longer at version ${current.currentVersion}); retry.`);
      }
      const receipt: RecordReceipt = {
        recordId,
        patient: current.patient,
        category: current.category,
        categoryCode: categoryCode(current.category),
        version,
        commitment,
        previousCommitment: base.commitment,
      };
      return receipt;
    });
  }

  private async load(recordId: string): Promise<RecordDoc> {
    const doc = await this.records.findOne({ recordId }).lean<RecordDoc>();
    if (!doc) throw new NotFoundError(`No record ${recordId}.`);
    return doc;
  }

  /** Summaries of many records in the order asked (null where none): a DataLoader batch function. */
  async summaries(recordIds: readonly string[]): Promise<(RecordSummary | null)[]> {
    const ids = recordIds.map((id, index) => normalizeBytes32(id, `recordIds[${index}]`));
    const byId = await findEach(this.records, 'recordId', ids, { projection: WITHOUT_CONTENT });
    return ids.map((id) => {
      const doc = byId.get(id);
      return doc ? summaryOf(doc) : null;
    });
  }

  /** Documents asked for during one event-loop turn (concurrent requests' pages) come from one query. */
  private readonly stored = new TurnBatch<string, RecordDoc | null>(async (recordIds) => {
    const byId = await findEach(this.records, 'recordId', recordIds, { projection: STORED_RECORD });
    return recordIds.map((id) => byId.get(id) ?? null);
  });

  /**
   * The stored documents (contents encrypted) of many records, in the order asked, null where none: read
   * from the store after the call (requests asking during the same event-loop turn share one query).
   */
  documents: RecordDocuments = (recordIds) => this.stored.add(recordIds);

  /**
   * Reads records' contents, one outcome per request (the shape a DataLoader batch returns). For each
   * record: authorize → audit entry (allowed or denied) → only then decrypt. The entries of one call
   * are written in a single insert before any content is decrypted; if that write fails, the call
   * throws and nothing is returned. A denied read comes back as a ForbiddenError (after being logged),
   * an unknown record as a NotFoundError (nothing to log), an erased record with content null.
   * `documents` loads the stored documents (a request passes its DataLoader, which the integrity check
   * of the same records shares, so a page queries the store once).
   */
  async readEach(
    requests: readonly { recordId: string; reader: string; purpose: string }[],
    authorize: ReadAuthorizer,
    documents: RecordDocuments = this.documents,
  ): Promise<(RecordRead | ForbiddenError | NotFoundError)[]> {
    const normalized = requests.map((request, index) => ({
      recordId: normalizeBytes32(request.recordId, `requests[${index}].recordId`),
      reader: normalizeAddress(request.reader, `requests[${index}].reader`),
      purpose: request.purpose,
    }));
    const loaded = await documents(normalized.map((request) => request.recordId));
    const byId = new Map<string, RecordDoc>();
    for (const doc of loaded) if (doc) byId.set(doc.recordId, doc);

    type Decided = { doc: RecordDoc; readRequest: ReadRequest; decision: AuditDecision };
    const decided = await Promise.all(
      normalized.map(async (request): Promise<Decided | NotFoundError> => {
        const doc = byId.get(request.recordId);
        if (!doc) return new NotFoundError(`No record ${request.recordId}.`);
        const readRequest: ReadRequest = { ...request, patient: doc.patient, category: doc.category, version: doc.currentVersion };
        const decision: AuditDecision = (await authorize(readRequest)) ? 'allowed' : 'denied';
        return { doc, readRequest, decision };
      }),
    );

    const logged = decided.filter((item): item is Decided => !(item instanceof NotFoundError));
    const entries = await this.audit.append(
      logged.map(({ readRequest, decision }) => ({
        actor: readRequest.reader,
        patient: readRequest.patient,
        recordId: readRequest.recordId,
        recordVersion: readRequest.version,
        category: readRequest.category,
        purpose: readRequest.purpose,
        decision,
      })),
    );
    const entryOf = new Map(logged.map((item, index) => [item, entries[index]!]));

    // Only past this point is anything decrypted: every entry above is acknowledged by the database.
    return decided.map((item) => {
      if (item instanceof NotFoundError) return item;
      const { doc, readRequest, decision } = item;
      if (decision === 'denied') {
        return new ForbiddenError(`${readRequest.reader} may not read record ${readRequest.recordId} for purpose ${readRequest.purpose}.`);
      }
      const latest = doc.versions[doc.versions.length - 1]!;
      const opened = doc.status === 'erased' || !isSealed(latest) ? null : this.decrypt(doc.recordId, latest);
      return {
        record: summaryOf(doc),
        auditEntryId: entryOf.get(item)!.entryId,
        content: opened?.content ?? null,
        commitment: opened?.commitment ?? null,
        version: doc.currentVersion,
      };
    });
  }

  /** Decrypts a version (once per loaded document; see VersionOpener) and recomputes its commitment. */
  private decrypt(recordId: string, version: SealedVersion): { content: FhirResource; commitment: string | null } {
    const opener = VersionOpener.of(this.masterKey);
    const { canonical } = splitPreimage(opener.preimage(recordId, version)!);
    return { content: parseCanonical(canonical) as FhirResource, commitment: opener.commitment(recordId, version) ?? null };
  }

  /**
   * Crypto-shreds a record: removes every version's ciphertext, IV, tag and wrapped data key (the salt
   * is inside the ciphertext) in one atomic update. Commitments, being public on-chain, stay. The
   * caller marks the record erased on-chain with the returned receipt.
   */
  async erase(input: { recordId: string; erasedBy: string }): Promise<RecordReceipt> {
    const recordId = normalizeBytes32(input.recordId, 'recordId');
    const erasedBy = normalizeAddress(input.erasedBy, 'erasedBy');
    return withLease(this.records.db, `record:${recordId}`, async () => {
      const doc = await this.load(recordId);
      const shredded = doc.versions.map(({ version, author, commitment, createdAt }) => ({ version, author, commitment, createdAt }));
      const result = await this.records.updateOne(
        { recordId, currentVersion: doc.currentVersion },
        { $set: { status: 'erased', versions: shredded, erasedAt: doc.erasedAt ?? new Date(), erasedBy: doc.erasedBy ?? erasedBy } },
      );
      if (result.matchedCount !== 1) throw new ConflictError(`Record ${recordId} changed while it was being erased; retry.`);
      const last = doc.versions[doc.versions.length - 1]!;
      const receipt: RecordReceipt = {
        recordId,
        patient: doc.patient,
        category: doc.category,
        categoryCode: categoryCode(doc.category),
        version: doc.currentVersion,
        commitment: last.commitment,
      };
      return receipt;
    });
  }
}
