/**
 * Analytics for analysts (registrar, admin) and researchers: the consent graph and daily counts as of
 * a block, with addresses for analysts and pseudonyms plus k-anonymity (k = 5) for researchers.
 */
import hre from 'hardhat';
import { time } from '@nomicfoundation/hardhat-network-helpers';
import { code16, code32, READ } from '../fixtures/deploy';
import { ApiClient } from '../../stack/demo/api-client';
import { startApiStack, type ApiStack } from './support/api-stack';

jest.setTimeout(300_000);

const GRAPH = `query ($block: Int) { consentGraph(block: $block) { block pseudonymous k nodes { id kind } edges { source target scope purpose } groups { scope purpose count } suppressedEdges } }`;
const ACTIVITY = `query ($input: ActivityInput!) { activity(input: $input) { block k points { purpose count suppressed } } }`;

interface Graph {
  block: number;
  pseudonymous: boolean;
  k: number;
  nodes: { id: string; kind: string }[];
  edges: { source: string; target: string; scope: string; purpose: string }[];
  groups: { scope: string; purpose: string; count: number }[];
  suppressedEdges: number;
}

describe('analytics', () => {
  let stack: ApiStack;
  let before: number;

  beforeAll(async () => {
    stack = await startApiStack();
    const signers = await hre.ethers.getSigners();
    const { consents, provider, provider2 } = stack.system;
    before = await hre.ethers.provider.getBlockNumber();
    const expiresAt = BigInt(await time.latest()) + 30n * 86_400n;
    // Six patients consent to the provider for treatment (a group of 6), two to provider2 for research (2 < k).
    for (const [index, signer] of signers.slice(10, 18).entries()) {
      const research = index >= 6;
      await (
        await consents.connect(signer).grantConsent({
          patient: signer.address,
          grantee: research ? provider2.address : provider.address,
          scope: code32(research ? 'Condition' : 'Observation'),
          access: READ,
          purpose: code16(research ? 'HRESCH' : 'TREAT'),
          expiresAt,
        })
      ).wait();
    }
    await stack.indexed();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('gives analysts every edge with addresses', async () => {
    const client = await new ApiClient(stack.url).signIn(stack.system.registrar);
    const answer = await client.graphql<{ consentGraph: Graph }>(GRAPH);
    expect(answer.errors).toBeUndefined();
    const graph = answer.data!.consentGraph;
    expect(graph).toMatchObject({ pseudonymous: false, k: 1, suppressedEdges: 0 });
    expect(graph.edges).toHaveLength(8);
    expect(graph.nodes.map((node) => node.id)).toContain(stack.system.provider.address.toLowerCase());
    expect(graph.groups).toEqual([
      { scope: 'Condition', purpose: 'HRESCH', count: 2 },
      { scope: 'Observation', purpose: 'TREAT', count: 6 },
    ]);
  });

  it('gives researchers pseudonyms and leaves out groups smaller than k', async () => {
    const client = await new ApiClient(stack.url).signIn(stack.system.researcher);
    const graph = (await client.graphql<{ consentGraph: Graph }>(GRAPH)).data!.consentGraph;
    expect(graph).toMatchObject({ pseudonymous: true, k: 5, suppressedEdges: 2 });
    expect(graph.edges).toHaveLength(6);
    expect(graph.groups).toEqual([{ scope: 'Observation', purpose: 'TREAT', count: 6 }]);
    for (const node of graph.nodes) expect(node.id).toMatch(/^p_[0-9a-f]{16}$/);
    // One grantee, six patients: the provider is one stable pseudonym.
    expect(new Set(graph.edges.map((edge) => edge.target)).size).toBe(1);
    expect(JSON.stringify(graph)).not.toContain(stack.system.provider.address.toLowerCase().slice(2));
  });

  it('answers as of an earlier block (time-travel), and refuses a block not indexed yet', async () => {
    const client = await new ApiClient(stack.url).signIn(stack.system.registrar);
    const earlier = (await client.graphql<{ consentGraph: Graph }>(GRAPH, { block: before })).data!.consentGraph;
    expect(earlier.block).toBe(before);
    expect(earlier.edges).toHaveLength(0);
    const future = await client.graphql(GRAPH, { block: before + 10_000 });
    expect(future.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'block' });
  });

  it('counts consents granted per purpose, suppressing small counts for researchers', async () => {
    const day = 86_400_000;
    const now = (await time.latest()) * 1000;
    const input = { metric: 'CONSENTS_GRANTED', groupBy: 'PURPOSE', from: new Date(now - day).toISOString(), to: new Date(now + day).toISOString() };
    const analyst = await new ApiClient(stack.url).signIn(stack.system.admin);
    const full = await analyst.graphql<{ activity: { points: { purpose: string; count: number | null; suppressed: boolean }[] } }>(ACTIVITY, { input });
    expect(full.errors).toBeUndefined();
    const total = (purpose: string, points: { purpose: string; count: number | null }[]) =>
      points.filter((point) => point.purpose === purpose).reduce((sum, point) => sum + (point.count ?? 0), 0);
    expect(total('TREAT', full.data!.activity.points)).toBe(6);
    expect(total('HRESCH', full.data!.activity.points)).toBe(2);

    const researcher = await new ApiClient(stack.url).signIn(stack.system.researcher);
    const masked = (await researcher.graphql<{ activity: { k: number; points: { purpose: string; count: number | null; suppressed: boolean }[] } }>(ACTIVITY, { input })).data!.activity;
    expect(masked.k).toBe(5);
    expect(masked.points.filter((point) => point.purpose === 'HRESCH').every((point) => point.suppressed && point.count === null)).toBe(true);
    expect(total('TREAT', masked.points)).toBe(6);
  });
});
