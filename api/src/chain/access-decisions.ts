import { id as keccakText } from 'ethers';
import type { HealthRecordsContracts } from '../../../contracts/deployment/deployment';
import { ACCESS_READ, ACCESS_WRITE, purposeCode, scopeCode } from './codes';
import type { LatestBlock } from './block-number';
import type { DecisionCache } from './decision-cache';

/** The roles of an account, read from the contracts at the latest block. */
export interface ChainRoles {
  verifiedProvider: boolean;
  verifiedResearcher: boolean;
  registrar: boolean;
  admin: boolean;
  auditor: boolean;
}

const REGISTRAR_ROLE = keccakText('REGISTRAR_ROLE');
const AUDITOR_ROLE = keccakText('AUDITOR_ROLE');
const DEFAULT_ADMIN_ROLE = `0x${'00'.repeat(32)}`;

/**
 * Authorization decisions of one request, made by the contracts' views at the latest block (never by
 * the index, which may lag). The request reads the chain's latest block number once, on its first
 * decision, and asks every view at exactly that block. Answers at a block are facts, so they are shared
 * with other requests at the same block (DecisionCache); a consent revoked on-chain lands in a new
 * block, which the next request reads at, so it takes effect on the next request.
 */
export class AccessDecisions {
  private readonly answers = new Map<string, Promise<boolean>>();
  private readonly requests = new Map<string, Promise<{ recordId: string; patient: string; open: boolean } | null>>();
  private latestBlock: Promise<number> | undefined;
  /** How many contract views this request called (answers from the shared cache not counted). */
  calls = 0;

  constructor(
    private readonly views: HealthRecordsContracts,
    private readonly latest: LatestBlock,
    /** The signed-in address, lowercase, or null. */
    readonly viewer: string | null,
    private readonly cache: DecisionCache,
    /** A server-wide counter of chain calls (tests and benchmarks read it). */
    private readonly counter: { chainCalls: number } = { chainCalls: 0 },
  ) {}

  /** The block this request's decisions are made at: the chain's latest when first asked. */
  block(): Promise<number> {
    this.latestBlock ??= this.latest.get();
    return this.latestBlock;
  }

  private ask(key: string, question: (blockTag: number) => Promise<boolean>): Promise<boolean> {
    let answer = this.answers.get(key);
    if (!answer) {
      answer = this.block().then((block) => {
        const cached = this.cache.get(block, key, () => question(block));
        if (cached.asked) {
          this.calls += 1;
          this.counter.chainCalls += 1;
        }
        return cached.answer;
      });
      this.answers.set(key, answer);
    }
    return answer;
  }

  /** ConsentManager.hasAccess(patient, viewer, category, READ). `*` asks for every category at once. */
  mayRead(patient: string, category: string): Promise<boolean> {
    return this.may(patient, category, ACCESS_READ);
  }

  /** ConsentManager.hasAccess(patient, viewer, category, WRITE). */
  mayWrite(patient: string, category: string): Promise<boolean> {
    return this.may(patient, category, ACCESS_WRITE);
  }

  /**
   * ConsentManager.hasAccessForPurpose(patient, viewer, category, READ, purpose): a consent counts only
   * for its own purpose of use, emergency access only for ETREAT.
   */
  mayReadForPurpose(patient: string, category: string, purpose: string): Promise<boolean> {
    const viewer = this.viewer;
    if (!viewer) return Promise.resolve(false);
    const patientKey = patient.toLowerCase();
    const scope = scopeCode(category, 'category');
    const purposeBytes = purposeCode(purpose, 'purpose');
    if (patientKey === viewer) return Promise.resolve(true);
    return this.ask(`purpose:${viewer}:${patientKey}:${scope}:${purposeBytes}`, (blockTag) =>
      this.views.consents.hasAccessForPurpose(patientKey, viewer, scope, ACCESS_READ, purposeBytes, { blockTag }),
    );
  }

  private may(patient: string, category: string, access: number): Promise<boolean> {
    const viewer = this.viewer;
    if (!viewer) return Promise.resolve(false);
    // Keyed by the raw strings, so a page of records of one category encodes its scope once.
    if (patient.toLowerCase() === viewer) return Promise.resolve(true); // a patient always reaches their own data
    return this.ask(`access:${viewer}:${patient}:${category}:${access}`, async (blockTag) => {
      const scope = scopeCode(category, 'category');
      return this.views.consents.hasAccess(patient.toLowerCase(), viewer, scope, access, { blockTag });
    });
  }

  /** The viewer is the patient or an active guardian (ConsentManager.canActFor). */
  canActFor(patient: string): Promise<boolean> {
    const viewer = this.viewer;
    if (!viewer) return Promise.resolve(false);
    const patientKey = patient.toLowerCase();
    if (patientKey === viewer) return Promise.resolve(true);
    return this.ask(`actFor:${viewer}:${patientKey}`, (blockTag) => this.views.consents.canActFor(patientKey, viewer, { blockTag }));
  }

  /** The viewer is an active guardian of `patient` (not the patient). */
  isGuardianOf(patient: string): Promise<boolean> {
    const viewer = this.viewer;
    if (!viewer) return Promise.resolve(false);
    const patientKey = patient.toLowerCase();
    if (patientKey === viewer) return Promise.resolve(false);
    return this.canActFor(patientKey);
  }

  /**
   * RecordRegistry.recordHead(recordId).byClinician: the record's current version was written under a
   * write consent, so the patient and guardians may not amend it (they file an amendment request).
   */
  isClinicianVersion(recordId: string): Promise<boolean> {
    const key = recordId.toLowerCase();
    return this.ask(`clinicianVersion:${key}`, async (blockTag) => (await this.views.records.recordHead(key, { blockTag })).byClinician);
  }

  /** RecordRegistry.amendmentRequestOf(requestId) at this request's block: its record and patient, or null when none. */
  amendmentRequest(requestId: string): Promise<{ recordId: string; patient: string; open: boolean } | null> {
    const key = requestId.toLowerCase();
    let found = this.requests.get(key);
    if (!found) {
      found = this.block().then(async (blockTag) => {
        this.calls += 1;
        this.counter.chainCalls += 1;
        const request = await this.views.records.amendmentRequestOf(key, { blockTag });
        return request.status === 0n ? null : { recordId: request.recordId.toLowerCase(), patient: request.patient.toLowerCase(), open: request.status === 1n };
      });
      this.requests.set(key, found);
    }
    return found;
  }

  private role(name: string, question: (viewer: string, blockTag: number) => Promise<boolean>): Promise<boolean> {
    const viewer = this.viewer;
    if (!viewer) return Promise.resolve(false);
    return this.ask(`role:${name}:${viewer}`, (blockTag) => question(viewer, blockTag));
  }

  /** Verified (not suspended) provider in the directory. */
  isVerifiedProvider(): Promise<boolean> {
    return this.role('provider', (viewer, blockTag) => this.views.directory.isVerifiedProvider(viewer, { blockTag }));
  }

  /** Verified (not suspended) researcher in the directory. */
  isVerifiedResearcher(): Promise<boolean> {
    return this.role('researcher', (viewer, blockTag) => this.views.directory.isVerifiedResearcher(viewer, { blockTag }));
  }

  /** Holds the directory's REGISTRAR_ROLE. */
  isRegistrar(): Promise<boolean> {
    return this.role('registrar', (viewer, blockTag) => this.views.directory.hasRole(REGISTRAR_ROLE, viewer, { blockTag }));
  }

  /** Holds DEFAULT_ADMIN_ROLE of the directory. */
  isAdmin(): Promise<boolean> {
    return this.role('admin', (viewer, blockTag) => this.views.directory.hasRole(DEFAULT_ADMIN_ROLE, viewer, { blockTag }));
  }

  /** Holds the audit anchor's AUDITOR_ROLE. */
  isAuditor(): Promise<boolean> {
    return this.role('auditor', (viewer, blockTag) => this.views.audit.hasRole(AUDITOR_ROLE, viewer, { blockTag }));
  }

  /** Every role of the viewer at once. */
  async roles(): Promise<ChainRoles> {
    const [verifiedProvider, verifiedResearcher, registrar, admin, auditor] = await Promise.all([
      this.isVerifiedProvider(),
      this.isVerifiedResearcher(),
      this.isRegistrar(),
      this.isAdmin(),
      this.isAuditor(),
    ]);
    return { verifiedProvider, verifiedResearcher, registrar, admin, auditor };
  }
}
