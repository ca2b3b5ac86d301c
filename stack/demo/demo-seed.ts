import { encodeBytes32String, JsonRpcProvider, keccak256, NonceManager, toUtf8Bytes, zeroPadBytes, type ContractTransactionResponse, type Wallet } from 'ethers';
import { attachHealthRecords, type Deployment, type HealthRecordsContracts } from '../../contracts/deployment/deployment';
import { ApiClient } from './api-client';
import { DEMO_ACCOUNTS, testWallet, type DemoAccountName } from '../chain/demo-accounts';

/**
 * The demo data `npm start` seeds: verified providers and a researcher, profiles, a guardian with a
 * minor patient, consents, FHIR records (prepared by the API, anchored on-chain by their writers), a
 * treatment awaiting the guardian's approval, an emergency access, and record reads for the audit
 * trail. Everything goes through the contracts and the API as a user's actions would.
 */
export interface SeedOptions {
  rpcUrl: string;
  chainId: number;
  deployment: Deployment;
  /** The API's own origin (http://host:port), for the seed's signed-in clients. */
  apiOrigin: string;
  log: (line: string) => void;
}

/** Category and reason codes: ASCII left-aligned in bytes32; purposes of use in bytes16. */
const code32 = (text: string) => encodeBytes32String(text);
const code16 = (text: string) => zeroPadBytes(toUtf8Bytes(text), 16);

/** Synthetic research participants: accounts 11 to 16 of the test mnemonic. */
const PARTICIPANTS = [11, 12, 13, 14, 15, 16];
const PARTICIPANT_PROFILES: Array<[string, string]> = [
  ['Ivan Petrov', '1957-01-21'],
  ['Jonas Berg', '1990-07-04'],
  ['Kemi Adebayo', '1975-10-15'],
  ['Lena Fischer', '2001-02-28'],
  ['Marco Rossi', '1968-12-09'],
  ['Nadia Haddad', '1993-04-17'],
];
const DAY = 86_400;

const PREPARE = `mutation Prepare($input: PrepareRecordInput!) {
  prepareRecord(input: $input) { recordId transaction { to data } }
}`;
const PREPARE_TREATMENT = `mutation PrepareTreatment($input: PrepareTreatmentInput!) {
  prepareTreatment(input: $input) { treatmentId transaction { to data } }
}`;

function fhir(kind: 'heart-rate' | 'glucose' | 'asthma' | 'peak-flow', patient: string): { category: string; content: Record<string, unknown> } {
  const subject = { reference: `Patient/${patient.toLowerCase()}` };
  const loinc = (code: string, display: string) => ({ coding: [{ system: 'http://loinc.org', code, display }] });
  switch (kind) {
    case 'asthma':
      return {
        category: 'Condition',
        content: {
          resourceType: 'Condition',
          clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
          code: { coding: [{ system: 'http://snomed.info/sct', code: '195967001', display: 'Asthma' }] },
          subject,
          recordedDate: new Date().toISOString().slice(0, 10),
        },
      };
    case 'glucose':
      return {
        category: 'Observation',
        content: { resourceType: 'Observation', status: 'final', code: loinc('2339-0', 'Glucose [Mass/volume] in Blood'), subject, effectiveDateTime: new Date().toISOString(), valueQuantity: { value: 95, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' } },
      };
    case 'peak-flow':
      return {
        category: 'Observation',
        content: { resourceType: 'Observation', status: 'final', code: loinc('19935-6', 'Peak expiratory flow rate'), subject, effectiveDateTime: new Date().toISOString(), valueQuantity: { value: 310, unit: 'L/min', system: 'http://unitsofmeasure.org', code: 'L/min' } },
      };
    default:
      return {
        category: 'Observation',
        content: { resourceType: 'Observation', status: 'final', code: loinc('8867-4', 'Heart rate'), subject, effectiveDateTime: new Date().toISOString(), valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' } },
      };
  }
}

export async function seedDemo(options: SeedOptions): Promise<{ blockNumber: number }> {
  const provider = new JsonRpcProvider(options.rpcUrl, options.chainId, { staticNetwork: true });
  const wallets = new Map<number, Wallet>();
  const signers = new Map<number, NonceManager>();
  const wallet = (index: number) => {
    if (!wallets.has(index)) wallets.set(index, testWallet(index, provider));
    return wallets.get(index)!;
  };
  const as = (index: number): HealthRecordsContracts => {
    if (!signers.has(index)) signers.set(index, new NonceManager(wallet(index)));
    return attachHealthRecords(options.deployment, signers.get(index)!);
  };
  const byName = (name: DemoAccountName) => DEMO_ACCOUNTS.find((account) => account.name === name)!.index;
  const [registrar, alice, bob, carla, dani, eva, femi, grace] = [
    byName('Registrar'), byName('Alice Martin'), byName('Bob Okafor'), byName('Carla Lopez'), byName('Dani Lopez'),
    byName('Dr. Eva Novak'), byName('Dr. Femi Adeyemi'), byName('Grace Chen'),
  ];
  const address = (index: number) => wallet(index).address;
  let lastBlock = 0;
  const mined = async (sent: Promise<ContractTransactionResponse>) => {
    const receipt = await (await sent).wait();
    lastBlock = Math.max(lastBlock, receipt!.blockNumber);
  };
  const inDays = (days: number) => BigInt(Math.floor(Date.now() / 1000) + days * DAY);
  const clients = new Map<number, ApiClient>();
  const api = async (index: number) => {
    if (!clients.has(index)) clients.set(index, await new ApiClient(options.apiOrigin).signIn(wallet(index)));
    return clients.get(index)!;
  };

  try {
    options.log('providers and researcher verified by the registrar');
    const directory = as(registrar).directory;
    await mined(directory.verifyMember(address(eva), 1, keccak256(toUtf8Bytes('licence GP-1024'))));
    await mined(directory.verifyMember(address(femi), 1, keccak256(toUtf8Bytes('licence PED-2048'))));
    await mined(directory.verifyMember(address(grace), 2, keccak256(toUtf8Bytes('ethics approval IRB-77'))));

    options.log('profiles (API)');
    const people: Array<[number, string, string]> = [
      [alice, 'Alice Martin', '1984-03-12'],
      [bob, 'Bob Okafor', '1962-11-02'],
      [carla, 'Carla Lopez', '1981-06-30'],
      [dani, 'Dani Lopez', '2014-09-18'],
      // The research participants are patients of the GP too: named, so no list shows them as bare addresses.
      ...PARTICIPANTS.map((index, at): [number, string, string] => [index, ...PARTICIPANT_PROFILES[at]!]),
    ];
    for (const [index, displayName, birthDate] of people) {
      await (await api(index)).data('mutation($input: PatientProfileInput!) { updatePatientProfile(input: $input) { displayName } }', {
        input: { displayName, birthDate: `${birthDate}T00:00:00.000Z`, preferredLanguage: 'en' },
      });
    }
    await (await api(eva)).data('mutation($input: ProviderProfileInput!) { updateProviderProfile(input: $input) { displayName } }', {
      input: { displayName: 'Dr. Eva Novak', organization: 'Riverside Family Practice', specialty: 'General practice' },
    });
    await (await api(femi)).data('mutation($input: ProviderProfileInput!) { updateProviderProfile(input: $input) { displayName } }', {
      input: { displayName: 'Dr. Femi Adeyemi', organization: "St. Mary's Children's Hospital", specialty: 'Paediatrics' },
    });
    await (await api(grace)).data('mutation($input: ResearcherProfileInput!) { updateResearcherProfile(input: $input) { displayName } }', {
      input: { displayName: 'Grace Chen', institution: 'Institute for Respiratory Health', researchArea: 'Asthma outcomes' },
    });

    options.log('guardian: Dani Lopez (minor) appoints Carla Lopez');
    await mined(as(dani).consents.appointGuardian(address(carla), 0));

    options.log('consents: treatment consents to the providers, research consents to Grace Chen');
    const grant = (actor: number, patient: number, grantee: number, scope: string, access: number, purpose: string, days: number) =>
      mined(as(actor).consents.grantConsent({ patient: address(patient), grantee: address(grantee), scope: code32(scope), access, purpose: code16(purpose), expiresAt: inDays(days) }));
    await grant(alice, alice, eva, 'Observation', 3, 'TREAT', 180);
    await grant(alice, alice, eva, 'Condition', 3, 'TREAT', 180);
    await grant(bob, bob, eva, '*', 1, 'TREAT', 90);
    await grant(carla, dani, femi, 'Observation', 3, 'TREAT', 365);
    for (const participant of [alice, bob, dani, ...PARTICIPANTS]) {
      await grant(participant === dani ? carla : participant, participant, grace, 'Observation', 1, 'HRESCH', 365);
    }
    for (const participant of PARTICIPANTS) await grant(participant, participant, eva, 'Observation', 3, 'TREAT', 120);

    options.log('records: prepared by the API (FHIR validated, encrypted), anchored by their writers');
    // Records and treatment plans alike: the API validates, encrypts and stores, the writer sends the transaction it returns.
    const sendPrepared = async (writer: number, transaction: { to: string; data: string }) => {
      const signer = signers.get(writer) ?? new NonceManager(wallet(writer));
      signers.set(writer, signer);
      const receipt = await (await signer.sendTransaction({ to: transaction.to, data: transaction.data })).wait();
      lastBlock = Math.max(lastBlock, receipt!.blockNumber);
    };
    const addRecord = async (writer: number, patient: number, kind: Parameters<typeof fhir>[0], treatmentId?: string) => {
      const { category, content } = fhir(kind, address(patient));
      const { prepareRecord } = await (await api(writer)).data<{ prepareRecord: { recordId: string; transaction: { to: string; data: string } } }>(PREPARE, {
        input: { patient: address(patient), category, content, treatmentId: treatmentId ?? null },
      });
      await sendPrepared(writer, prepareRecord.transaction);
      return prepareRecord.recordId;
    };
    const proposeTreatment = async (provider: number, patient: number, plan: string) => {
      const { prepareTreatment } = await (await api(provider)).data<{ prepareTreatment: { treatmentId: string; transaction: { to: string; data: string } } }>(PREPARE_TREATMENT, {
        input: { patient: address(patient), plan },
      });
      await sendPrepared(provider, prepareTreatment.transaction);
      return prepareTreatment.treatmentId;
    };
    const aliceHeart = await addRecord(eva, alice, 'heart-rate');
    await addRecord(eva, alice, 'asthma');
    await addRecord(bob, bob, 'glucose');
    await addRecord(femi, dani, 'peak-flow');
    for (const participant of PARTICIPANTS) await addRecord(eva, participant, participant % 2 ? 'heart-rate' : 'peak-flow');

    options.log('treatments: one approved (Alice), one awaiting the guardian (Dani)');
    const approved = await proposeTreatment(eva, alice, 'Asthma action plan: inhaled corticosteroid, review in 4 weeks.');
    await mined(as(alice).records.decideTreatment(approved, true));
    await addRecord(eva, alice, 'peak-flow', approved);
    await proposeTreatment(femi, dani, 'Allergen immunotherapy, 3 years, monthly visits.');

    options.log('emergency access: Dr. Femi Adeyemi opens break-glass access to Bob Okafor');
    await mined(as(femi).consents.openEmergencyAccess(address(bob), code32('UNCONSCIOUS')));

    options.log("record reads for the audit trail: Dr. Eva Novak reads Alice's heart rate");
    await (await api(eva)).data('query($id: Bytes32!) { record(id: $id) { id content(purpose: "TREAT") } }', { id: aliceHeart });
    return { blockNumber: lastBlock };
  } finally {
    provider.destroy();
  }
}
