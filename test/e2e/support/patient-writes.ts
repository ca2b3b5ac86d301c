/**
 * Writes by a signed-in patient through the API, as the stack tests make them while parts die and come
 * back: a profile update (the database), a record prepared by the API and anchored by the patient (the
 * chain and the index), a consent relayed by the API (the chain and the index), in turn. Each write is
 * tried again until the API acknowledges it; what it acknowledged is kept, to be found afterwards.
 */
import { JsonRpcProvider, NonceManager, type Wallet } from 'ethers';
import { ApiClient } from '../../../stack/demo/api-client';
import { testWallet } from '../../../stack/chain/demo-accounts';

const PROFILE = 'mutation($input: PatientProfileInput!) { updatePatientProfile(input: $input) { displayName } }';
const PREPARE = 'mutation($input: PrepareRecordInput!) { prepareRecord(input: $input) { recordId transaction { to data } } }';
const TYPED_DATA = 'query($terms: ConsentTermsInput!) { consentTypedData(terms: $terms) { typedData deadline } }';
const RELAY = 'mutation($input: RelayConsentInput!) { relayConsent(input: $input) { consentId blockNumber } }';
const PATIENT = `query($address: String!) {
  patient(address: $address) {
    profile { displayName }
    records(first: 100) { nodes { id } }
    consentsGiven(first: 100) { nodes { id } }
  }
}`;

interface TypedData {
  domain: Record<string, unknown>;
  types: Record<string, { name: string; type: string }[]>;
  message: Record<string, unknown>;
}

/** What the API acknowledged to one patient. */
export interface Acknowledged {
  displayName: string;
  records: string[];
  consents: string[];
}

/** Runs `write` until it succeeds (an outage makes it fail for a while); each attempt starts the write over. */
export async function untilAcknowledged<T>(write: () => Promise<T>, timeoutMs = 180_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await write();
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Write numbers shared by every writer of a test, so each consent goes to a grantee of its own. */
let writes = 0;

export class PatientWriter {
  readonly acknowledged: Acknowledged = { displayName: '', records: [], consents: [] };
  client!: ApiClient;
  private provider?: JsonRpcProvider;
  private signer?: NonceManager;

  constructor(readonly wallet: Wallet) {}

  /**
   * Points the writer at a (re)started stack: its web origin and chain. With `signIn: false` the
   * session cookie of the last sign-in is kept (a session must survive restarts).
   */
  async connect(urls: { web: string; rpc: string }, chainId: number, { signIn = true } = {}): Promise<this> {
    this.provider?.destroy();
    this.provider = new JsonRpcProvider(urls.rpc, chainId, { staticNetwork: true });
    this.signer = new NonceManager(this.wallet.connect(this.provider));
    const cookie = this.client?.cookie;
    this.client = new ApiClient(urls.web);
    if (signIn || !cookie) await this.client.signIn(this.wallet);
    else this.client.cookie = cookie;
    return this;
  }

  close(): void {
    this.provider?.destroy();
  }

  /** One write: a profile update, a record or a relayed consent, by the shared write number. */
  async writeOnce(): Promise<void> {
    const n = writes++;
    const patient = this.wallet.address;
    switch (n % 3) {
      case 0: {
        const displayName = `${patient.slice(0, 8)} write ${n}`;
        await untilAcknowledged(() => this.client.data(PROFILE, { input: { displayName } }));
        this.acknowledged.displayName = displayName;
        return;
      }
      case 1: {
        const content = {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
          subject: { reference: `Patient/${patient.toLowerCase()}` },
          effectiveDateTime: new Date().toISOString(),
          valueQuantity: { value: 60 + (n % 40), unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
        };
        const { prepareRecord } = await untilAcknowledged(() =>
          this.client.data<{ prepareRecord: { recordId: string; transaction: { to: string; data: string } } }>(PREPARE, { input: { patient, category: 'Observation', content } }),
        );
        // The writer anchors it, as the web client does with MetaMask.
        await (await this.signer!.sendTransaction(prepareRecord.transaction)).wait();
        this.acknowledged.records.push(prepareRecord.recordId);
        return;
      }
      default: {
        // A new grantee each time: every acknowledged consent is its own.
        const terms = { patient, grantee: testWallet(100 + n).address, scope: 'Observation', read: true, write: false, purpose: 'TREAT', expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() };
        const { relayConsent } = await untilAcknowledged(async () => {
          const { consentTypedData } = await this.client.data<{ consentTypedData: { typedData: TypedData; deadline: string } }>(TYPED_DATA, { terms });
          const { EIP712Domain: _domain, ...types } = consentTypedData.typedData.types;
          const signature = await this.wallet.signTypedData(consentTypedData.typedData.domain, types, consentTypedData.typedData.message);
          return this.client.data<{ relayConsent: { consentId: string } }>(RELAY, { input: { terms, deadline: consentTypedData.deadline, signature } });
        });
        this.acknowledged.consents.push(relayConsent.consentId);
      }
    }
  }

  /** What the API shows of this patient now: profile (database), records and consents (index). */
  async seen(): Promise<Acknowledged> {
    const { patient } = await this.client.data<{ patient: { profile: { displayName: string } | null; records: { nodes: { id: string }[] }; consentsGiven: { nodes: { id: string }[] } } }>(PATIENT, {
      address: this.wallet.address,
    });
    return {
      displayName: patient.profile?.displayName ?? '',
      records: patient.records.nodes.map((node) => node.id),
      consents: patient.consentsGiven.nodes.map((node) => node.id),
    };
  }

  /** Every acknowledged write is there. */
  async expectEveryAcknowledgedWrite(): Promise<void> {
    const seen = await this.seen();
    if (this.acknowledged.displayName) expect(seen.displayName).toBe(this.acknowledged.displayName);
    expect(seen.records).toEqual(expect.arrayContaining(this.acknowledged.records));
    expect(seen.consents).toEqual(expect.arrayContaining(this.acknowledged.consents));
  }
}

/** Several writers writing, one write after the other each, until `stop()`. */
export function writeStream(writers: PatientWriter[]): { stop(): Promise<void>; acknowledgedSoFar(): number } {
  let stopping = false;
  let count = 0;
  const loops = writers.map(async (writer) => {
    while (!stopping) {
      await writer.writeOnce();
      count += 1;
    }
  });
  return {
    acknowledgedSoFar: () => count,
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

/** The subgraph's indexed block, or -1 while it does not answer. */
export async function subgraphBlock(subgraphUrl: string): Promise<number> {
  const response = await fetch(subgraphUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ _meta { block { number } } }' }) });
  const body = (await response.json()) as { data?: { _meta: { block: { number: number } } } };
  return body.data?._meta.block.number ?? -1;
}

/** Polls `check` until it holds; the error says what did not happen. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 180_000, context: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve(check()).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s.${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
