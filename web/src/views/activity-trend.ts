import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { graphql } from '../gql';
import type { ActivityInterval, ActivityMetric } from '../gql/graphql';
import { request } from '../lib/api';
import { h } from '../widgets/dom';
import { table } from '../widgets/table';

// Chart.js draws on a canvas from the bundle (no remote asset); only the parts the trend uses are registered.
Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

const ActivityTrend = graphql(`
  query ActivityTrend($input: ActivityInput!) {
    activity(input: $input) {
      block
      at
      interval
      k
      points {
        start
        count
        runningTotal
        suppressed
      }
    }
  }
`);

const METRICS: Array<[ActivityMetric, string]> = [
  ['RECORDS_ANCHORED', 'Records anchored'],
  ['RECORDS_AMENDED', 'Records amended'],
  ['CONSENTS_GRANTED', 'Consents granted'],
  ['CONSENTS_REVOKED', 'Consents revoked'],
  ['EMERGENCY_ACCESSES_OPENED', 'Emergency accesses opened'],
];

/** How far back each interval's trend reaches from the block's time: two days of hours, or a month of days. */
const SPAN: Record<ActivityInterval, { buckets: number; seconds: number }> = {
  HOUR: { buckets: 48, seconds: 3_600 },
  DAY: { buckets: 30, seconds: 86_400 },
};

interface Bucket {
  start: Date;
  /** Events in the bucket; null when withheld (fewer than k). */
  count: number | null;
  runningTotal: number | null;
  suppressed: boolean;
}

/**
 * Every bucket of the span, oldest first: the API answers only buckets that hold events, so the
 * others are filled in with no events and the running total carried over.
 */
function buckets(points: Array<{ start: unknown; count?: number | null; runningTotal?: number | null; suppressed: boolean }>, to: Date, interval: ActivityInterval): Bucket[] {
  const { buckets: count, seconds } = SPAN[interval];
  const last = Math.floor(to.getTime() / 1000 / seconds) * seconds;
  const byStart = new Map(points.map((point) => [new Date(point.start as string).getTime() / 1000, point]));
  const filled: Bucket[] = [];
  let running: number | null = null;
  for (let start = last - (count - 1) * seconds; start <= last; start += seconds) {
    const point = byStart.get(start);
    if (point) running = point.runningTotal ?? null;
    filled.push({
      start: new Date(start * 1000),
      count: point ? (point.count ?? null) : 0,
      runningTotal: point ? (point.runningTotal ?? null) : running,
      suppressed: point?.suppressed ?? false,
    });
  }
  return filled;
}

function bucketLabel(start: Date, interval: ActivityInterval): string {
  return interval === 'HOUR'
    ? start.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
    : start.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

/**
 * The trend of one kind of activity, hourly or daily, as of a block: bars for the events in each
 * bucket and a line for the running total, drawn by Chart.js, with the same numbers in a table beside
 * the chart for screen readers and keyboard users. A bucket withheld for k-anonymity has no bar (it is
 * not drawn as a value at all) and says "fewer than k" in the table.
 */
export function activityTrend(): { element: HTMLElement; showAt(to: Date, block?: number): Promise<void> } {
  let chart: Chart | undefined;
  let asOf: { to: Date; block?: number } | undefined;
  const metric = h('select', { name: 'trend-metric', 'aria-label': 'Activity' }, ...METRICS.map(([value, label]) => h('option', { value }, label)));
  const interval = (value: ActivityInterval, label: string, checked: boolean) =>
    h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'trend-interval', value, checked }), ` ${label}`);
  const switcher = h('fieldset', { class: 'interval-switch' }, h('legend', {}, 'Buckets'), interval('DAY', 'Daily', true), interval('HOUR', 'Hourly', false));
  const canvas = h('canvas', { role: 'img', 'aria-label': 'Activity trend chart; the table beside it has the same numbers' });
  const status = h('p', { class: 'muted', 'aria-live': 'polite', 'data-trend-status': '' });
  const numbers = h('div', { class: 'trend-table' });
  const element = h(
    'div',
    { class: 'trend', 'data-trend': '' },
    h('div', { class: 'trend-controls' }, h('label', {}, 'Activity ', metric), switcher),
    status,
    h('div', { class: 'trend-body' }, h('div', { class: 'trend-chart' }, canvas), numbers),
  );

  const chosenInterval = () => (element.querySelector<HTMLInputElement>('input[name="trend-interval"]:checked')?.value ?? 'DAY') as ActivityInterval;

  const draw = async () => {
    if (!asOf) return;
    const every = chosenInterval();
    const { buckets: count, seconds } = SPAN[every];
    const from = new Date(asOf.to.getTime() - (count - 1) * seconds * 1000);
    const label = METRICS.find(([value]) => value === metric.value)?.[1] ?? metric.value;
    element.setAttribute('aria-busy', 'true');
    try {
      const { activity } = await request(ActivityTrend, {
        input: { metric: metric.value as ActivityMetric, interval: every, from: from.toISOString(), to: asOf.to.toISOString(), groupBy: 'TOTAL', block: asOf.block ?? null },
      });
      const rows = buckets(activity.points, asOf.to, every);
      element.dataset.interval = every;
      element.dataset.block = String(activity.block);
      status.textContent = `${label}, ${every === 'HOUR' ? 'per hour over 48 hours' : 'per day over 30 days'}, as of block ${activity.block}.${
        rows.some((row) => row.suppressed) ? ` Buckets with fewer than k = ${activity.k} events are withheld.` : ''
      }`;
      const labels = rows.map((row) => bucketLabel(row.start, every));
      chart?.destroy();
      chart = new Chart(canvas, {
        data: {
          labels,
          datasets: [
            { type: 'bar', label: `${label} in the ${every === 'HOUR' ? 'hour' : 'day'}`, data: rows.map((row) => row.count), backgroundColor: '#2f6f9f', yAxisID: 'count' },
            { type: 'line', label: 'Running total', data: rows.map((row) => row.runningTotal), borderColor: '#8a4b08', backgroundColor: '#8a4b08', pointRadius: 2, spanGaps: false, yAxisID: 'total' },
          ],
        },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: { legend: { labels: { font: { size: 12 } } } },
          scales: {
            x: { ticks: { font: { size: 11 }, maxRotation: 60, autoSkip: true } },
            count: { type: 'linear', position: 'left', beginAtZero: true, ticks: { precision: 0, font: { size: 11 } }, title: { display: true, text: 'events' } },
            total: { type: 'linear', position: 'right', beginAtZero: true, ticks: { precision: 0, font: { size: 11 } }, title: { display: true, text: 'running total' }, grid: { drawOnChartArea: false } },
          },
        },
      });
      const withheld = `fewer than ${activity.k}, withheld`;
      numbers.replaceChildren(
        table(
          `${label}, ${every === 'HOUR' ? 'hourly' : 'daily'}, as of block ${activity.block}`,
          [every === 'HOUR' ? 'Hour' : 'Day', 'Events', 'Running total'],
          rows.filter((row) => row.count !== 0 || row.suppressed).map((row) => [bucketLabel(row.start, every), row.suppressed ? withheld : (row.count ?? withheld), row.runningTotal ?? '—']),
          `No ${label.toLowerCase()} in this period.`,
        ),
      );
    } catch (error) {
      status.textContent = error instanceof Error ? error.message : String(error);
    } finally {
      element.removeAttribute('aria-busy');
    }
  };
  metric.addEventListener('change', () => void draw());
  switcher.addEventListener('change', () => void draw());

  return {
    element,
    showAt: async (to, block) => {
      asOf = { to, block };
      await draw();
    },
  };
}
