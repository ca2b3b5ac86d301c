/**
 * Activity from graph-node's timeseries: known transactions at known block times give known hourly
 * and daily counts and running totals, across an hour boundary, as of earlier blocks, with groups
 * below k suppressed for researchers; bad ranges are refused naming the field and the limit.
 */
import hre from 'hardhat';
import { time } from '@nomicfoundation/hardhat-network-helpers';
import { code16, code32, READ } from '../fixtures/deploy';
import { ApiClient } from '../../stack/demo/api-client';
import { startApiStack, type ApiStack } from './support/api-stack';

jest.setTimeout(300_000);

const HOUR = 3_600;
const ACTIVITY = `query ($input: ActivityInput!) { activity(input: $input) { block at interval k points { start category purpose count runningTotal suppressed } } }`;

interface Point {
  start: string;
  category: string | null;
  purpose: string | null;
  count: number | null;
  runningTotal: number | null;
  suppressed: boolean;
}
interface Series {
  block: number;
  at: string;
  interval: string;
  k: number;
  points: Point[];
}

describe('activity from graph-node aggregations', () => {
  let stack: ApiStack;
  let analyst: ApiClient;
  let researcher: ApiClient;
  /** Start (seconds) of the first hour the test fills: 10:00 UTC of a day after the chain's clock. */
  let h0: number;
  /** The last block of hour h0, before any event of the next hour. */
  let endOfH0: number;

  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  const ask = async (client: ApiClient, input: Record<string, unknown>) => {
    const answer = await client.graphql<{ activity: Series }>(ACTIVITY, { input: { metric: 'CONSENTS_GRANTED', from: iso(h0), to: iso(h0 + 2 * HOUR), ...input } });
    expect(answer.errors).toBeUndefined();
    return answer.data!.activity;
  };
  const simple = (series: Series) => series.points.map(({ start, purpose, count, runningTotal, suppressed }) => ({ start, purpose, count, runningTotal, suppressed }));

  beforeAll(async () => {
    stack = await startApiStack();
    const signers = await hre.ethers.getSigners();
    const { consents, provider, provider2 } = stack.system;
    const day = 86_400;
    // Times derive from the chain's clock: 10:00 UTC on the day after its latest block.
    h0 = (Math.floor((await time.latest()) / day) + 1) * day + 10 * HOUR;
    const grant = async (signer: (typeof signers)[number], at: number, purpose: 'TREAT' | 'HRESCH') => {
      await time.setNextBlockTimestamp(at);
      await (
        await consents.connect(signer).grantConsent({
          patient: signer.address,
          grantee: purpose === 'TREAT' ? provider.address : provider2.address,
          scope: code32(purpose === 'TREAT' ? 'Observation' : 'Condition'),
          access: READ,
          purpose: code16(purpose),
          expiresAt: BigInt(at + 30 * day),
        })
      ).wait();
    };
    // Hour h0: six consents for treatment (a group of 6) and two for research (2 < k = 5).
    for (const [index, signer] of signers.slice(10, 18).entries()) await grant(signer, h0 + 60 + index * 60, index < 6 ? 'TREAT' : 'HRESCH');
    endOfH0 = await hre.ethers.provider.getBlockNumber();
    await stack.indexed();
    analyst = await new ApiClient(stack.url).signIn(stack.system.admin);
    researcher = await new ApiClient(stack.url).signIn(stack.system.researcher);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('counts the hour still open at the latest block from the data points', async () => {
    const series = await ask(analyst, { interval: 'HOUR' });
    expect(series).toMatchObject({ interval: 'HOUR', k: 1, at: iso(h0 + 60 + 7 * 60) });
    expect(simple(series)).toEqual([{ start: iso(h0), purpose: null, count: 8, runningTotal: 8, suppressed: false }]);
  });

  it('counts across an hour boundary, by purpose, with running totals, as of every block', async () => {
    const signers = await hre.ethers.getSigners();
    const { consents, provider } = stack.system;
    // 11:00:00 exactly: the first block of hour h1 closes hour h0.
    await time.setNextBlockTimestamp(h0 + HOUR);
    await (
      await consents.connect(signers[18]!).grantConsent({ patient: signers[18]!.address, grantee: provider.address, scope: code32('Observation'), access: READ, purpose: code16('TREAT'), expiresAt: BigInt(h0 + 40 * 86_400) })
    ).wait();
    await stack.indexed();

    const byPurpose = await ask(analyst, { interval: 'HOUR', groupBy: 'PURPOSE' });
    const sorted = (points: ReturnType<typeof simple>) => [...points].sort((a, b) => a.start.localeCompare(b.start) || a.purpose!.localeCompare(b.purpose!));
    expect(sorted(simple(byPurpose))).toEqual([
      { start: iso(h0), purpose: 'HRESCH', count: 2, runningTotal: 2, suppressed: false },
      { start: iso(h0), purpose: 'TREAT', count: 6, runningTotal: 6, suppressed: false },
      { start: iso(h0 + HOUR), purpose: 'TREAT', count: 1, runningTotal: 7, suppressed: false },
    ]);

    // As of the last block of hour h0, hour h0 was still open, and the answer is what it was then.
    const earlier = await ask(analyst, { interval: 'HOUR', block: endOfH0 });
    expect(earlier.block).toBe(endOfH0);
    expect(simple(earlier)).toEqual([{ start: iso(h0), purpose: null, count: 8, runningTotal: 8, suppressed: false }]);

    // A block in hour h0 + 2 closes hour h1: the same counts now come from the aggregation.
    await time.setNextBlockTimestamp(h0 + 2 * HOUR + 5);
    await hre.network.provider.send('evm_mine', []);
    await stack.indexed();
    expect(simple(await ask(analyst, { interval: 'HOUR' }))).toEqual([
      { start: iso(h0), purpose: null, count: 8, runningTotal: 8, suppressed: false },
      { start: iso(h0 + HOUR), purpose: null, count: 1, runningTotal: 9, suppressed: false },
    ]);
    // The day is still open: one daily bucket with all nine.
    expect(simple(await ask(analyst, { interval: 'DAY' }))).toEqual([{ start: iso(h0 - 10 * HOUR), purpose: null, count: 9, runningTotal: 9, suppressed: false }]);
  });

  it('suppresses buckets below k for researchers, running totals included', async () => {
    const series = await ask(researcher, { interval: 'HOUR', groupBy: 'PURPOSE' });
    expect(series.k).toBe(5);
    const treat = series.points.filter((point) => point.purpose === 'TREAT').sort((a, b) => a.start.localeCompare(b.start));
    expect(treat.map(({ count, runningTotal, suppressed }) => ({ count, runningTotal, suppressed }))).toEqual([
      { count: 6, runningTotal: 6, suppressed: false },
      // One consent in hour h1: below k, and its running total would give it away.
      { count: null, runningTotal: null, suppressed: true },
    ]);
    expect(series.points.filter((point) => point.purpose === 'HRESCH')).toEqual([{ start: iso(h0), category: null, purpose: 'HRESCH', count: null, runningTotal: null, suppressed: true }]);
  });

  it('refuses a missing, reversed or too long range, and an unknown interval, naming the field', async () => {
    const refusal = async (input: Record<string, unknown>) => {
      const answer = await analyst.graphql(ACTIVITY, { input: { metric: 'CONSENTS_GRANTED', interval: 'HOUR', ...input } });
      return { ...answer.errors?.[0]?.extensions, message: answer.errors?.[0]?.message };
    };
    expect(await refusal({ to: iso(h0) })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.from' });
    expect(await refusal({ from: iso(h0) })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.to' });
    expect(await refusal({ from: iso(h0), to: iso(h0 - HOUR) })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.to', message: expect.stringContaining('before input.from') });
    expect(await refusal({ from: iso(h0), to: iso(h0 + 744 * HOUR) })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.to', message: expect.stringContaining('744 hours') });
    expect(await refusal({ from: iso(h0), to: iso(h0 + 366 * 86_400), interval: 'DAY' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.to', message: expect.stringContaining('366 days') });
    expect(await refusal({ from: iso(h0), to: iso(h0 + HOUR), interval: 'WEEK' })).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('input.interval') });
  });
});
