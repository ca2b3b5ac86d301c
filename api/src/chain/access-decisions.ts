import { id as keccakText } from 'ethers';
import type { HealthRecordsContracts } from '../../../contracts/deploy/deploy';
import { ACCESS_READ, ACCESS_WRITE, purposeCode, scopeCode } from './codes';

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
 * the index, which may lag). Each distinct question is asked once per request: fifty records of one
 * patient in one category cost one `hasAccess` call. A new request asks again, so a consent revoked
 * on-chain takes effect on the next request.
 */
export class AccessDecisions {
  private readonly answers = new Map<string, Promise<boolean>>();
  /** How many contract calls this request made. */
  calls = 0;

  constructor(
    private readonly views: HealthRecordsContracts,
    /** The signed-in address, lowercase, or null. */
    readonly viewer: string | null,
    /** A server-wide counter of contract calls (tests and benchmarks read it). */
    private readonly counter: { chainCalls: number } = { chainCalls: 0 },
  ) {}

  private ask(key: string, question: () => Promise<boolean>): Promise<boolean> {
    let answer = this.answers.get(key);
    if (!answer) {
      this.calls += 1;
      this.counter.chainCalls += 1;
      answer = question();
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
    return this.ask(`purpose:${patientKey}:${scope}:${purposeBytes}`, async () =>
      this.views.consents.hasAccessForPurpose(patientKey, viewer, scope, ACCESS_READ, purposeBytes),
    );
  }

  private may(patient: string, category: string, access: number): Promise<boolean> {
    const viewer = this.viewer;
    if (!viewer) return Promise.resolve(false);
    // Keyed by the raw strings, so a page of records of one category encodes its scope once.
    return this.ask(`access:${patient}:${category}:${access}`, async () => {
      const scope = scopeCode(category, 'category');
      return this.views.consents.hasAccess(patient.toLowerCase(), viewer, scope, access);
    });
  }

  /** The viewer is the patient or an active guardian (ConsentManager.canActFor). */
  canActFor(patient: string): Promise<boolean> {
    const viewer = this.viewer;
    if (!viewer) return Promise.resolve(false);
    const patientKey = patient.toLowerCase();
    if (patientKey === viewer) return Promise.resolve(true);
    return this.ask(`actFor:${patientKey}`, async () => this.views.consents.canActFor(patientKey, viewer));
  }

  /** The viewer is an active guardian of `patient` (not the patient). */
  isGuardianOf(patient: string): Promise<boolean> {
    const viewer = this.viewer;
    if (!viewer) return Promise.resolve(false);
    const patientKey = patient.toLowerCase();
    if (patientKey === viewer) return Promise.resolve(false);
    return this.canActFor(patientKey);
  }

  private role(name: string, question: (viewer: string) => Promise<boolean>): Promise<boolean> {
    const viewer = this.viewer;
    if (!viewer) return Promise.resolve(false);
    return this.ask(`role:${name}`, () => question(viewer));
  }

  /** Verified (not suspended) provider in the directory. */
  isVerifiedProvider(): Promise<boolean> {
    return this.role('provider', (viewer) => this.views.directory.isVerifiedProvider(viewer));
  }

  /** Verified (not suspended) researcher in the directory. */
  isVerifiedResearcher(): Promise<boolean> {
    return this.role('researcher', (viewer) => this.views.directory.isVerifiedResearcher(viewer));
  }

  /** Holds the directory's REGISTRAR_ROLE. */
  isRegistrar(): Promise<boolean> {
    return this.role('registrar', (viewer) => this.views.directory.hasRole(REGISTRAR_ROLE, viewer));
  }

  /** Holds DEFAULT_ADMIN_ROLE of the directory. */
  isAdmin(): Promise<boolean> {
    return this.role('admin', (viewer) => this.views.directory.hasRole(DEFAULT_ADMIN_ROLE, viewer));
  }

  /** Holds the audit anchor's AUDITOR_ROLE. */
  isAuditor(): Promise<boolean> {
    return this.role('auditor', (viewer) => this.views.audit.hasRole(AUDITOR_ROLE, viewer));
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
