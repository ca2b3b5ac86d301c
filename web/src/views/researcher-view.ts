import { activityTrend } from './activity-trend';
import { drawBarChart, drawConsentGraph, PURPOSE_COLOURS } from './consent-graph';
import { graphql } from '../gql';
import type { ActivityGrouping, ActivityMetric } from '../gql/graphql';
import { request } from '../lib/api';
import type { AppContext } from '../lib/app-context';
import { categoryLabel, purposeLabel } from '../lib/codes';
import { formatTime, h } from '../widgets/dom';
import { section, table } from '../widgets/table';

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
        start
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

  const charts = h('div', { class: 'charts' });
  const trend = activityTrend();

  const show = (graph: typeof first.consentGraph) => {
    picture.replaceChildren(drawConsentGraph(graph.nodes, graph.edges));
    caption.textContent = `As of block ${graph.block} (${formatTime(graph.at as string)}): ${graph.nodes.length} accounts, ${graph.edges.length} consents${
      graph.suppressedEdges ? `, ${graph.suppressedEdges} left out (groups smaller than k = ${graph.k})` : ''
    }${graph.pseudonymous ? '; identities are pseudonyms' : ''}.`;
    groups.replaceChildren(table(`Consent groups as of block ${graph.block}`, ['Category', 'Purpose', 'Consents'], graph.groups.map((group) => [categoryLabel(group.scope), purposeLabel(group.purpose), group.count]), `No group reaches k = ${graph.k} at this block.`));
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
        await Promise.all([
          trend.showAt(new Date(consentGraph.at as string), Number(slider.value)),
          renderCharts(charts, new Date(consentGraph.at as string), Number(slider.value)),
        ]);
      } catch (error) {
        caption.textContent = error instanceof Error ? error.message : String(error);
      }
    }, 150);
  });

  const legend = h('p', { class: 'legend' }, ...Object.entries(PURPOSE_COLOURS).map(([purpose, colour]) => h('span', { style: `--swatch:${colour}` }, purposeLabel(purpose))));
  void trend.showAt(new Date(first.consentGraph.at as string));
  void renderCharts(charts, new Date(first.consentGraph.at as string));

  return h(
    'div',
    { class: 'view', 'data-view': 'researcher' },
    h('h2', { class: 'view-title' }, 'Research'),
    section('Consent graph', h('label', { class: 'slider' }, 'As of ', slider, blockLabel), picture, legend, caption, h('h3', {}, 'Groups'), groups),
    section('Trend (hourly or daily, as of the block above)', trend.element),
    section('Aggregates (last 30 days, as of the block above)', charts),
  );
}

/**
 * Aggregates as of `block`: totals by category and by purpose, over the 30 days
 * before the block's own time (`to`, from the API; never the wall clock). A point below k comes back
 * suppressed; a total that includes suppressed points is shown as a lower bound.
 */
async function renderCharts(into: HTMLElement, to: Date, block?: number): Promise<void> {
  into.setAttribute('aria-busy', 'true');
  const from = new Date(to.getTime() - 30 * 86_400_000);
  const fetchSeries = (metric: ActivityMetric, groupBy: ActivityGrouping) =>
    request(Activity, { input: { metric, groupBy, from: from.toISOString(), to: to.toISOString(), block: block ?? null } }).then((data) => data.activity);
  const totalsBy = async (metric: ActivityMetric, groupBy: ActivityGrouping, key: 'category' | 'purpose', title: string) => {
    const activity = await fetchSeries(metric, groupBy);
    const totals = new Map<string, { value: number; suppressed: boolean }>();
    for (const point of activity.points) {
      const label = point[key] ?? 'all';
      const total = totals.get(label) ?? { value: 0, suppressed: false };
      if (point.suppressed || point.count === null || point.count === undefined) total.suppressed = true;
      else total.value += point.count;
      totals.set(label, total);
    }
    const labelOf = key === 'category' ? categoryLabel : purposeLabel;
    return drawBarChart(title, [...totals].map(([label, total]) => ({ label: label === 'all' ? 'All' : labelOf(label), ...total })), activity.k);
  };
  try {
    into.replaceChildren(
      await totalsBy('RECORDS_ANCHORED', 'CATEGORY', 'category', 'Records anchored, by category'),
      await totalsBy('CONSENTS_GRANTED', 'PURPOSE', 'purpose', 'Consents granted, by purpose'),
    );
    into.dataset.block = block === undefined ? 'latest' : String(block);
  } catch (error) {
    into.replaceChildren(h('p', { class: 'denied', role: 'alert' }, error instanceof Error ? error.message : String(error)));
  } finally {
    into.removeAttribute('aria-busy');
  }
}
