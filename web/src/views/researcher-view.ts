import { graphql } from '../gql';
import type { ActivityGrouping, ActivityMetric } from '../gql/graphql';
import { request } from '../lib/api';
import type { AppContext } from '../lib/app-context';
import { formatTime, h, section, table } from '../lib/dom';
import { drawBarChart, drawConsentGraph, PURPOSE_COLOURS } from './consent-graph';

const ConsentGraphAt = graphql(`
  query ConsentGraphAt($block: Int) {
    consentGraph(block: $block) {
      block
      at
      k
      pseudonymous
      suppressedEdges
      nodes {
        id
        kind
      }
      edges {
        source
        target
        scope
        purpose
        canRead
        canWrite
      }
      groups {
        scope
        purpose
        count
      }
    }
    health {
      subgraphBlock
    }
  }
`);

const Activity = graphql(`
  query Activity($input: ActivityInput!) {
    activity(input: $input) {
      k
      block
      points {
        day
        category
        purpose
        count
        suppressed
      }
    }
  }
`);

/**
 * The researcher's view: the consent graph as a picture, a block slider to see it as of any indexed
 * block, and aggregate charts. Every number is k-anonymous; identities are pseudonyms.
 */
export async function renderResearcherView(_ctx: AppContext): Promise<HTMLElement> {
  const first = await request(ConsentGraphAt, {});
  const head = first.health.subgraphBlock ?? first.consentGraph.block;
  const picture = h('div', { class: 'graph-box' });
  const caption = h('p', { class: 'muted', 'data-graph-caption': '' });
  const groups = h('div');
  const slider = h('input', { type: 'range', name: 'block', min: 1, max: head, value: head, step: 1, 'aria-label': 'As of block' });
  const blockLabel = h('output', { for: 'block' }, `block ${head}`);

  const show = (graph: typeof first.consentGraph) => {
    picture.replaceChildren(drawConsentGraph(graph.nodes, graph.edges));
    caption.textContent = `As of block ${graph.block} (${formatTime(graph.at as string)}): ${graph.nodes.length} accounts, ${graph.edges.length} consents${
      graph.suppressedEdges ? `, ${graph.suppressedEdges} left out (groups smaller than k = ${graph.k})` : ''
    }${graph.pseudonymous ? '; identities are pseudonyms' : ''}.`;
    groups.replaceChildren(table(['Category', 'Purpose', 'Consents'], graph.groups.map((group) => [group.scope, group.purpose, group.count]), `No group reaches k = ${graph.k} at this block.`));
  };
  show(first.consentGraph);

  let pending: ReturnType<typeof setTimeout> | undefined;
  slider.addEventListener('input', () => {
    blockLabel.textContent = `block ${slider.value}`;
    clearTimeout(pending);
    pending = setTimeout(async () => {
      try {
        const { consentGraph } = await request(ConsentGraphAt, { block: Number(slider.value) });
        show(consentGraph);
      } catch (error) {
        caption.textContent = error instanceof Error ? error.message : String(error);
      }
    }, 150);
  });

  const legend = h('p', { class: 'legend' }, ...Object.entries(PURPOSE_COLOURS).map(([purpose, colour]) => h('span', { style: `--swatch:${colour}` }, purpose)));
  const charts = h('div', { class: 'charts' });
  void renderCharts(charts);

  return h(
    'div',
    { class: 'view', 'data-view': 'researcher' },
    h('h2', { class: 'view-title' }, 'Research'),
    section('Consent graph', h('label', { class: 'slider' }, 'As of ', slider, blockLabel), picture, legend, caption, h('h3', {}, 'Groups'), groups),
    section('Aggregates (last 30 days)', charts),
  );
}

async function renderCharts(into: HTMLElement): Promise<void> {
  const to = new Date();
  const from = new Date(to.getTime() - 30 * 86_400_000);
  const series = async (metric: ActivityMetric, groupBy: ActivityGrouping, key: 'category' | 'purpose', title: string) => {
    const { activity } = await request(Activity, { input: { metric, groupBy, from: from.toISOString(), to: to.toISOString() } });
    const totals = new Map<string, number | null>();
    for (const point of activity.points) {
      const label = point[key] ?? 'all';
      const previous = totals.get(label);
      totals.set(label, point.suppressed || point.count === null || point.count === undefined ? (previous ?? null) : (previous ?? 0) + point.count);
    }
    return drawBarChart(title, [...totals].map(([label, value]) => ({ label, value })), activity.k);
  };
  try {
    into.replaceChildren(
      await series('RECORDS_ANCHORED', 'CATEGORY', 'category', 'Records anchored, by category'),
      await series('CONSENTS_GRANTED', 'PURPOSE', 'purpose', 'Consents granted, by purpose'),
    );
  } catch (error) {
    into.replaceChildren(h('p', { class: 'denied', role: 'alert' }, error instanceof Error ? error.message : String(error)));
  }
}
