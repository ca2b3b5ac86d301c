/**
 * GraphQL subscriptions over WebSocket (graphql-ws) against the real stack: chain, graph-node, FerretDB
 * and the API, with graphql-ws's own client on `ws` signed in by the session cookie. Every event type
 * reaches exactly the accounts the permission rules allow; emergency access reaches the patient at the
 * block it was opened in; an upgrade without a session is refused; a restarted API resumes from the
 * client's block without a gap or a repeat; sign-out and session expiry close the socket.
 */
import hre from 'hardhat';
import { time } from '@nomicfoundation/hardhat-network-helpers';
import type { ContractTransactionResponse, Signer } from 'ethers';
import type { GraphQLError } from 'graphql';
import WebSocket from 'ws';
import { createServer } from '../../api/src/app/server';
import { DEFAULT_LIVE_OPTIONS } from '../../api/src/live/live-hub';
import type { LiveEvent } from '../../api/src/live/live-event';
import { ApiClient } from '../../stack/demo/api-client';
import { liveClient, Subscription } from '../../stack/demo/live-client';
import { code16, code32, random32, READ, WRITE } from '../fixtures/deploy';
import { freePort, startApiStack, type ApiStack } from './support/api-stack';

jest.setTimeout(300_000);

/** An event as it arrives: JSON, its time as an ISO string. */
type Event = Omit<LiveEvent, 'expiresAt'> & { expiresAt: string | null };
const MY_EVENTS = `subscription ($from: Int) { myEvents(fromBlock: $from) { kind subject subjectId block transactionHash patient counterparty actor category purpose expiresAt } }`;
type EventResult = { myEvents: Event };

const LIVE = { pollMs: 100, sessionCheckMs: 300 };

/** The HTTP answer to a WebSocket upgrade the API refuses (fails when the socket opens). */
function refusedUpgrade(apiUrl: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${apiUrl.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers });
    socket.on('open', () => reject(new Error('the socket opened')));
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.on('error', () => undefined);
  });
}

async function mined(tx: Promise<ContractTransactionResponse>) {
  const receipt = await (await tx).wait();
  return { block: receipt!.blockNumber, hash: receipt!.hash };
}

describe('GraphQL subscriptions', () => {
  let stack: ApiStack;
  const clients = new Map<string, ApiClient>();
  const sockets: { dispose(): void | Promise<void> }[] = [];

  const signedIn = async (signer: Signer, url = stack.url) => {
    const address = (await signer.getAddress()).toLowerCase();
    let client = clients.get(address);
    if (!client) {
      client = await new ApiClient(url).signIn(signer);
      clients.set(address, client);
    }
    return client;
  };
  const subscribe = async (signer: Signer, fromBlock: number | null, url = stack.url) => {
    const client = liveClient(url, (await signedIn(signer)).cookie);
    sockets.push(client);
    return new Subscription<EventResult>(client, MY_EVENTS, { from: fromBlock });
  };

  beforeAll(async () => {
    stack = await startApiStack({ server: { live: LIVE } });
  });
  afterAll(async () => {
    for (const socket of sockets) await socket.dispose();
    await stack?.stop();
  });

  it('tells each event to exactly the accounts the rules allow, at the block it became visible', async () => {
    const { consents, records, patient, guardian, provider, provider2, researcher, stranger, relayer } = stack.system;
    const observation = code32('Observation');
    const accounts = { patient, guardian, provider, provider2, researcher, stranger, relayer };
    const start = await stack.indexed();
    const subs = Object.fromEntries(await Promise.all(Object.entries(accounts).map(async ([name, signer]) => [name, await subscribe(signer, start)] as const)));
    const a = Object.fromEntries(await Promise.all(Object.entries(accounts).map(async ([name, signer]) => [name, (await signer.getAddress()).toLowerCase()] as const)));
    const now = BigInt(await time.latest());

    // Consent granted to the provider; a record the provider anchors under it; a treatment proposed and
    // approved by the guardian; emergency access opened by provider2 and closed by the patient; a
    // guardian appointed and removed; the consent revoked; the record erased (its author, the provider,
    // no longer reads the category: not told); a consent that expires; a record the patient amends.
    const consentId = await consents.consentId(patient.address, provider.address, observation);
    const granted = await mined(consents.connect(patient).grantConsent({ patient: patient.address, grantee: provider.address, scope: observation, access: READ | WRITE, purpose: code16('TREAT'), expiresAt: now + 86_400n * 30n }));
    const recordId = random32();
    const commitment = random32();
    const anchored = await mined(records.connect(provider).anchorRecord(recordId, patient.address, observation, commitment, `0x${'00'.repeat(32)}`));
    const treatmentId = random32();
    await mined(records.connect(provider).proposeTreatment(treatmentId, patient.address, random32()));
    await mined(records.connect(guardian).decideTreatment(treatmentId, true));
    const opened = await mined(consents.connect(provider2).openEmergencyAccess(patient.address, code32('UNCONSCIOUS')));
    const openedEvent = await subs.patient!.until((r) => r.myEvents.kind === 'EMERGENCY_ACCESS_OPENED');
    // Told at the block it was opened in, before the chain moved two blocks on.
    expect(openedEvent.myEvents.block).toBe(opened.block);
    expect(await hre.ethers.provider.getBlockNumber()).toBeLessThanOrEqual(opened.block + 2);
    expect(openedEvent.myEvents).toMatchObject({ patient: a.patient, counterparty: a.provider2, purpose: 'UNCONSCIOUS', transactionHash: opened.hash });
    await mined(consents.connect(patient).closeEmergencyAccess(patient.address, provider2.address));
    await mined(consents.connect(patient).appointGuardian(relayer.address, 0));
    await mined(consents.connect(patient).removeGuardian(patient.address, relayer.address));
    await mined(consents.connect(patient).revokeConsent(patient.address, provider.address, observation));
    await mined(records.connect(patient).eraseRecord(recordId, patient.address, observation, commitment));
    const shortConsent = await consents.consentId(patient.address, researcher.address, code32('Condition'));
    await mined(consents.connect(patient).grantConsent({ patient: patient.address, grantee: researcher.address, scope: code32('Condition'), access: READ, purpose: code16('HRESCH'), expiresAt: BigInt(await time.latest()) + 600n }));
    await time.increase(3_600); // mines a block an hour later: the consent expired in it
    const ownRecord = random32();
    const first = random32();
    await mined(records.connect(patient).anchorRecord(ownRecord, patient.address, code32('Condition'), first, `0x${'00'.repeat(32)}`));
    await mined(records.connect(patient).amendRecord(ownRecord, patient.address, code32('Condition'), first, random32()));
    // A marker for every account: events come in block order, so once an account has its marker it has
    // been told everything before it, and what it was not told it never will be.
    for (const signer of Object.values(accounts).filter((signer) => signer !== patient)) {
      await mined(consents.connect(patient).grantConsent({ patient: patient.address, grantee: signer.address, scope: code32('Marker'), access: READ, purpose: code16('TREAT'), expiresAt: now + 86_400n * 365n }));
    }
    const markers = new Map<string, number>();
    for (const [name, sub] of Object.entries(subs)) {
      const others = Object.keys(accounts).filter((other) => other !== 'patient');
      const wanted = name === 'patient' ? others.map((other) => a[other]) : [a[name]];
      for (const grantee of wanted) {
        const marker = await sub.until((r) => r.myEvents.category === 'Marker' && r.myEvents.counterparty === grantee);
        markers.set(name, Math.max(markers.get(name) ?? 0, marker.myEvents.block));
      }
    }
    const told = (name: string) =>
      subs[name]!.results.map((r) => r.myEvents).filter((event) => event.category !== 'Marker').map((event) => `${event.kind} ${event.subjectId}`);

    const expected = {
      patient: [
        `CONSENT_GRANTED ${consentId}`, `RECORD_ANCHORED ${recordId}`, `TREATMENT_PROPOSED ${treatmentId}`, `TREATMENT_APPROVED ${treatmentId}`,
        'EMERGENCY_ACCESS_OPENED', 'EMERGENCY_ACCESS_CLOSED', 'GUARDIAN_APPOINTED', 'GUARDIAN_REMOVED', `CONSENT_REVOKED ${consentId}`,
        `RECORD_ERASED ${recordId}`, `CONSENT_GRANTED ${shortConsent}`, `CONSENT_EXPIRED ${shortConsent}`, `RECORD_ANCHORED ${ownRecord}`, `RECORD_AMENDED ${ownRecord}`,
      ],
      // Party of the consent, the record (while it reads Observation) and the treatment; not of the erasure (consent revoked).
      provider: [`CONSENT_GRANTED ${consentId}`, `RECORD_ANCHORED ${recordId}`, `TREATMENT_PROPOSED ${treatmentId}`, `TREATMENT_APPROVED ${treatmentId}`, `CONSENT_REVOKED ${consentId}`],
      // The patient's guardian acts for her: told what she is told.
      guardian: [] as string[],
      provider2: ['EMERGENCY_ACCESS_OPENED', 'EMERGENCY_ACCESS_CLOSED'],
      researcher: [`CONSENT_GRANTED ${shortConsent}`, `CONSENT_EXPIRED ${shortConsent}`],
      relayer: ['GUARDIAN_APPOINTED', 'GUARDIAN_REMOVED'],
      stranger: [],
    };
    expected.guardian = expected.patient;
    const withoutIds = (list: string[]) => list.map((item) => (item.startsWith('EMERGENCY') || item.startsWith('GUARDIAN') ? item.split(' ')[0]! : item));
    for (const [name, list] of Object.entries(expected)) expect([name, withoutIds(told(name))]).toEqual([name, list]);

    // Every event in block order, each at a block after the subscription's start, none twice.
    const patientEvents = subs.patient!.results.map((r) => r.myEvents);
    expect(patientEvents.map((event) => event.block)).toEqual([...patientEvents.map((event) => event.block)].sort((x, y) => x - y));
    expect(patientEvents.every((event) => event.block > start)).toBe(true);
    const grant = patientEvents.find((event) => event.kind === 'CONSENT_GRANTED')!;
    expect(grant).toMatchObject({ block: granted.block, transactionHash: granted.hash, patient: a.patient, counterparty: a.provider, actor: a.patient, category: 'Observation', purpose: 'TREAT' });
    expect(patientEvents.find((event) => event.kind === 'RECORD_ANCHORED')).toMatchObject({ block: anchored.block, counterparty: a.provider, category: 'Observation' });

    // What an event says, a query then answers: the last consent granted is among the patient's.
    const lastGrant = await subs.patient!.until((r) => r.myEvents.category === 'Marker' && r.myEvents.counterparty === a.relayer);
    const client = await signedIn(patient);
    const atBlock = await client.data<{ patient: { consentsGiven: { nodes: { id: string; grantee: string }[] } } }>(
      `query ($p: Address!) { patient(address: $p) { consentsGiven(first: 50) { nodes { id grantee } } } }`,
      { p: patient.address },
    );
    expect(atBlock.patient.consentsGiven.nodes.map((node) => node.id)).toContain(lastGrant.myEvents.subjectId);

    // Subscribing again from the start replays the same events from the index, in the same order.
    const replay = await subscribe(patient, start);
    await replay.until((r) => r.myEvents.category === 'Marker' && r.myEvents.counterparty === a.relayer);
    expect(replay.results.map((r) => `${r.myEvents.block} ${r.myEvents.kind} ${r.myEvents.subjectId}`)).toEqual(
      subs.patient!.results.map((r) => `${r.myEvents.block} ${r.myEvents.kind} ${r.myEvents.subjectId}`),
    );
    replay.unsubscribe();
  });

  it('tells amendment requests and their answers to the patient, her guardians and the providers who may answer, and no other', async () => {
    const { consents, records, patient, guardian, provider, provider2, researcher, stranger } = stack.system;
    const procedure = code32('Procedure');
    const accounts = { patient, guardian, provider, provider2, researcher, stranger };
    const a = Object.fromEntries(await Promise.all(Object.entries(accounts).map(async ([name, signer]) => [name, (await signer.getAddress()).toLowerCase()] as const)));
    const now = BigInt(await time.latest());
    // The provider reads and writes Procedure (may answer); provider2 only reads it (may not answer).
    await mined(consents.connect(patient).grantConsent({ patient: patient.address, grantee: provider.address, scope: procedure, access: READ | WRITE, purpose: code16('TREAT'), expiresAt: now + 86_400n * 30n }));
    await mined(consents.connect(patient).grantConsent({ patient: patient.address, grantee: provider2.address, scope: procedure, access: READ, purpose: code16('TREAT'), expiresAt: now + 86_400n * 30n }));
    const recordId = random32();
    const commitment = random32();
    await mined(records.connect(provider).anchorRecord(recordId, patient.address, procedure, commitment, `0x${'00'.repeat(32)}`));
    const start = await stack.indexed();
    const subs = Object.fromEntries(await Promise.all(Object.entries(accounts).map(async ([name, signer]) => [name, await subscribe(signer, start)] as const)));

    // The guardian files one request, the patient another; the provider declines the first and accepts
    // the second by amending the record.
    const byGuardian = random32();
    const byPatient = random32();
    const filed = await mined(records.connect(guardian).requestAmendment(byGuardian, recordId, patient.address, procedure, commitment, random32()));
    await mined(records.connect(patient).requestAmendment(byPatient, recordId, patient.address, procedure, commitment, random32()));
    const declined = await mined(records.connect(provider).declineAmendment(byGuardian, procedure, commitment, random32()));
    const accepted = await mined(records.connect(provider).acceptAmendment(byPatient, procedure, commitment, random32()));
    for (const signer of Object.values(accounts).filter((signer) => signer !== patient)) {
      await mined(consents.connect(patient).grantConsent({ patient: patient.address, grantee: signer.address, scope: code32('Marker2'), access: READ, purpose: code16('TREAT'), expiresAt: now + 86_400n * 365n }));
    }
    for (const [name, sub] of Object.entries(subs)) {
      const wanted = name === 'patient' ? Object.keys(accounts).filter((other) => other !== 'patient').map((other) => a[other]) : [a[name]];
      for (const grantee of wanted) await sub.until((r) => r.myEvents.category === 'Marker2' && r.myEvents.counterparty === grantee);
    }
    const told = (name: string) => subs[name]!.results.map((r) => r.myEvents).filter((event) => event.category !== 'Marker2').map((event) => `${event.kind} ${event.subjectId}`);

    const answered = [`AMENDMENT_REQUESTED ${byGuardian}`, `AMENDMENT_REQUESTED ${byPatient}`, `AMENDMENT_DECLINED ${byGuardian}`, `RECORD_AMENDED ${recordId}`, `AMENDMENT_ACCEPTED ${byPatient}`];
    const expected = {
      patient: answered,
      guardian: answered,
      provider: answered,
      // A reader of the category who may not answer (and is no party of the record) is told of neither.
      provider2: [],
      researcher: [],
      stranger: [],
    };
    for (const [name, list] of Object.entries(expected)) expect([name, told(name)]).toEqual([name, list]);

    const events = subs.patient!.results.map((r) => r.myEvents);
    expect(events.find((event) => event.kind === 'AMENDMENT_REQUESTED')).toMatchObject({
      subject: 'AMENDMENT_REQUEST', block: filed.block, transactionHash: filed.hash, patient: a.patient, counterparty: null, actor: a.guardian, category: 'Procedure',
    });
    expect(events.find((event) => event.kind === 'AMENDMENT_DECLINED')).toMatchObject({ block: declined.block, transactionHash: declined.hash, counterparty: a.guardian, actor: a.provider });
    expect(events.find((event) => event.kind === 'AMENDMENT_ACCEPTED')).toMatchObject({ block: accepted.block, transactionHash: accepted.hash, counterparty: a.patient, actor: a.provider });
    for (const sub of Object.values(subs)) sub.unsubscribe();
  });

  it('caps the `myEvents` subscriptions one account holds on an instance', async () => {
    const signer = (await hre.ethers.getSigners())[11]!;
    const client = liveClient(stack.url, (await signedIn(signer)).cookie);
    sockets.push(client);
    const { perAccount } = DEFAULT_LIVE_OPTIONS;
    // Each subscription is open once its first event arrives: the account's own consent marker, told
    // to every one of them (they resume from the block before it, however late the server admits them).
    const start = await stack.indexed();
    const open = Array.from({ length: perAccount }, () => new Subscription<EventResult>(client, MY_EVENTS, { from: start }));
    const { consents, patient } = stack.system;
    const marker = await mined(consents.connect(patient).grantConsent({ patient: patient.address, grantee: signer.address, scope: code32('CapMarker'), access: READ, purpose: code16('TREAT'), expiresAt: BigInt(await time.latest()) + 86_400n }));
    for (const sub of open) expect((await sub.until((r) => r.myEvents.category === 'CapMarker')).myEvents.block).toBe(marker.block);

    const refused = new Subscription<EventResult>(client, MY_EVENTS, {});
    await refused.ended();
    expect(JSON.stringify(refused.error)).toContain('RATE_LIMITED');
    expect(JSON.stringify(refused.error)).toContain(`already holds ${perAccount} live subscriptions`);

    // Closing one makes room for another.
    open[0]!.unsubscribe();
    const again = new Subscription<EventResult>(client, MY_EVENTS, { from: start });
    expect((await again.until((r) => r.myEvents.category === 'CapMarker')).myEvents.block).toBe(marker.block);
    for (const sub of [...open.slice(1), again]) sub.unsubscribe();
  });

  it('bounds an instance by the configured caps: subscriptions, sockets, and a subscriber that stops reading', async () => {
    const { consents, patient } = stack.system;
    const [slow, first, second, third] = (await hre.ethers.getSigners()).slice(12, 16) as Signer[];
    const grant = async (grantee: Signer, scope: string) =>
      mined(consents.connect(patient).grantConsent({ patient: patient.address, grantee: await grantee.getAddress(), scope: code32(scope), access: READ, purpose: code16('TREAT'), expiresAt: BigInt(await time.latest()) + 86_400n }));
    // The caps come through the server configuration (the LIVE_* variables), the pace through the option.
    const small = await createServer({ ...stack.config, live: { perInstance: 2, socketsPerInstance: 2, queue: 2 } }, { live: LIVE });
    try {
      const { url } = await small.listen(await freePort(), '127.0.0.1');

      // A subscriber that reads nothing while three blocks bring it an event each: two wait for it,
      // the third ends the subscription, after the two, naming the block to resume from.
      const start = await stack.indexed();
      const bursts = [await grant(slow!, 'Burst1'), await grant(slow!, 'Burst2'), await grant(slow!, 'Burst3')];
      await stack.indexed();
      const slowAddress = (await slow!.getAddress()).toLowerCase();
      let decided = 0;
      let allDecided!: () => void;
      const decidedAll = new Promise<void>((resolve) => (allDecided = resolve));
      // The subscriber's rule: its own consents (each decided event counted, so the test knows when the hub has queued them).
      const rule = async (event: LiveEvent) => {
        if (++decided === bursts.length) allDecided();
        return event.counterparty === slowAddress;
      };
      const unread = await small.live.hub.events(slowAddress, start, rule);
      await decidedAll;
      await new Promise((resolve) => setImmediate(resolve)); // the hub's own continuations (queueing) run first
      expect((await unread.next()).value).toMatchObject({ category: 'Burst1', block: bursts[0]!.block });
      expect((await unread.next()).value).toMatchObject({ category: 'Burst2', block: bursts[1]!.block });
      const overflow = await unread.next().then(() => null, (error: GraphQLError) => error);
      expect(overflow?.extensions.code).toBe('RATE_LIMITED');
      expect(overflow?.message).toBe(`You fell more than 2 events behind; subscribe again with fromBlock: ${bursts[1]!.block} to resume without a gap.`);
      const resumed = await small.live.hub.events(slowAddress, bursts[1]!.block, rule);
      expect((await resumed.next()).value).toMatchObject({ category: 'Burst3', block: bursts[2]!.block });
      await resumed.return!();
      expect(small.live.hub.size).toBe(0);

      // Two subscriptions fill the instance (each open once its first event came); a third is refused.
      const from = await stack.indexed();
      const clients = [];
      const subs = [];
      for (const signer of [first!, second!]) {
        const client = liveClient(url, (await signedIn(signer)).cookie);
        clients.push(client);
        sockets.push(client);
        subs.push(new Subscription<EventResult>(client, MY_EVENTS, { from }));
        await grant(signer, 'InstanceMarker');
      }
      for (const sub of subs) await sub.until((r) => r.myEvents.category === 'InstanceMarker');
      const refused = new Subscription<EventResult>(clients[0]!, MY_EVENTS, {});
      await refused.ended();
      expect(JSON.stringify(refused.error)).toContain('RATE_LIMITED');
      expect(JSON.stringify(refused.error)).toContain('This API instance holds its maximum of 2 subscriptions');

      // Two sockets fill it too: a third account's socket is refused with 503, saying so.
      const answer = await refusedUpgrade(url, { cookie: (await signedIn(third!)).cookie! });
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body).error.message).toContain('holds its maximum of 2 sockets');
      for (const sub of subs) sub.unsubscribe();
    } finally {
      for (const socket of sockets.splice(0)) await socket.dispose();
      await small.close();
    }
  });

  it('answers `indexed` once the index has reached a transaction\'s block', async () => {
    const { consents, patient, provider } = stack.system;
    const sent = await mined(consents.connect(patient).grantConsent({ patient: patient.address, grantee: provider.address, scope: code32('Immunization'), access: READ, purpose: code16('TREAT'), expiresAt: BigInt(await time.latest()) + 86_400n }));
    const client = liveClient(stack.url, (await signedIn(patient)).cookie);
    sockets.push(client);
    const indexed = new Subscription<{ indexed: { transactionHash: string; block: number } }>(client, `subscription ($tx: String!) { indexed(transactionHash: $tx) { transactionHash block } }`, { tx: sent.hash });
    const [answer] = [await indexed.until(() => true)];
    expect(answer.indexed).toEqual({ transactionHash: sent.hash, block: sent.block });
    await indexed.ended();
    expect(indexed.error).toBeUndefined();
    // The query that follows sees the effect.
    const { patient: seen } = await (await signedIn(patient)).data<{ patient: { consentsGiven: { nodes: { scope: string }[] } } }>(
      `query ($p: Address!) { patient(address: $p) { consentsGiven(first: 50) { nodes { scope } } } }`,
      { p: patient.address },
    );
    expect(seen.consentsGiven.nodes.map((node) => node.scope)).toContain('Immunization');

    const bad = new Subscription(client, `subscription { indexed(transactionHash: "0x12") { block } }`);
    await bad.ended();
    expect(JSON.stringify(bad.error)).toContain('transactionHash');
  });

  it('refuses an upgrade without a session (401), from a foreign origin (403), and queries over the socket', async () => {
    const refusal = (headers: Record<string, string>) => refusedUpgrade(stack.url, headers);
    const anonymous = await refusal({});
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body).error.code).toBe('UNAUTHENTICATED');
    expect(JSON.parse(anonymous.body).error.message).toMatch(/sign in/i);
    expect((await refusal({ cookie: 'hr_session=s%3Aforged.signature' })).status).toBe(401);
    const cookie = (await signedIn(stack.system.stranger)).cookie!;
    expect((await refusal({ cookie, origin: 'https://evil.example' })).status).toBe(403);

    const client = liveClient(stack.url, cookie);
    sockets.push(client);
    const query = new Subscription(client, `query { health { ok } }`);
    await query.ended();
    expect(JSON.stringify(query.error)).toMatch(/subscriptions only/);
  });

  it('closes the socket at sign-out and at session expiry, and caps sockets per account', async () => {
    const { researcher, stranger } = stack.system;
    const apiClient = await new ApiClient(stack.url).signIn(researcher);
    const closed = new Promise<number>((resolve) => sockets.push(liveClient(stack.url, apiClient.cookie, { onClosed: (code) => resolve(code) })));
    const sub = new Subscription(sockets[sockets.length - 1] as never, MY_EVENTS, {});
    void sub;
    expect(await apiClient.logout()).toBe(204);
    expect(await closed).toBe(4401);

    // A session whose SIWE message expires in a few seconds: the socket closes then.
    const short = await new ApiClient(stack.url).signIn(stranger, { expirationTime: new Date(Date.now() + 4_000).toISOString() });
    const expired = new Promise<{ code: number; at: number }>((resolve) => sockets.push(liveClient(stack.url, short.cookie, { onClosed: (code) => resolve({ code, at: Date.now() }) })));
    new Subscription(sockets[sockets.length - 1] as never, MY_EVENTS, {});
    const { code } = await expired;
    expect(code).toBe(4401);

    // An account with no socket open yet: four sockets open, the fifth is refused.
    const many = await new ApiClient(stack.url).signIn((await hre.ethers.getSigners())[10]!);
    const opened = await Promise.all(
      [0, 1, 2, 3, 4].map(
        (index) =>
          new Promise<string>((resolve) => {
            const socket = new WebSocket(`${stack.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers: { cookie: many.cookie! } });
            socket.on('open', () => {
              sockets.push({ dispose: () => socket.close() });
              resolve('open');
            });
            socket.on('unexpected-response', (_request, response) => resolve(`refused ${response.statusCode} ${index}`));
            socket.on('error', () => undefined);
          }),
      ),
    );
    expect(opened.filter((result) => result === 'open')).toHaveLength(4);
    expect(opened.filter((result) => result.startsWith('refused 429'))).toHaveLength(1);
  });

  it('resumes from the client\'s block after an API restart, without a gap or a repeat', async () => {
    const { consents, patient, stranger } = stack.system;
    const before = await stack.indexed();
    const live = await subscribe(stranger, before);
    const grant = (scope: string) =>
      mined(consents.connect(patient).grantConsent({ patient: patient.address, grantee: stranger.address, scope: code32(scope), access: READ, purpose: code16('TREAT'), expiresAt: BigInt(Date.now() / 1000 | 0) + 86_400n * 400n }));
    await grant('Before');
    const last = await live.until((r) => r.myEvents.category === 'Before');

    // The API goes away; meanwhile two consents are granted; a new instance starts.
    await stack.server.close();
    await live.ended();
    await grant('During1');
    await grant('During2');
    const restarted = await createServer(stack.config, { live: LIVE });
    try {
      const { url } = await restarted.listen(await freePort(), '127.0.0.1');
      const resumed = await subscribe(stranger, last.myEvents.block, url);
      await grant('After');
      await resumed.until((r) => r.myEvents.category === 'After');
      expect(resumed.results.map((r) => r.myEvents.category)).toEqual(['During1', 'During2', 'After']);
      resumed.unsubscribe();
    } finally {
      for (const socket of sockets.splice(0)) await socket.dispose();
      await restarted.close();
    }
  });
});
