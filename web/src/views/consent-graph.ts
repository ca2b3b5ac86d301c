/**
 * Draws a consent graph as SVG: patients in the left column, grantees in the right, one curve per
 * consent, coloured by purpose of use. Accounts that are both sit in the middle. No layout library:
 * columns keep it readable for the sizes a k-anonymous research view returns.
 */
const SVG = 'http://www.w3.org/2000/svg';

export interface GraphNode {
  id: string;
  kind: 'PATIENT' | 'GRANTEE' | 'BOTH';
}
export interface GraphEdge {
  source: string;
  target: string;
  scope: string;
  purpose: string;
  canRead: boolean;
  canWrite: boolean;
}

export const PURPOSE_COLOURS: Record<string, string> = {
  TREAT: '#2563eb',
  ETREAT: '#dc2626',
  HPAYMT: '#9333ea',
  HRESCH: '#059669',
  PUBHLTH: '#d97706',
};

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * The drawing's width in SVG units: about the width it gets on screen (up to 720), so that its 11–12 px
 * labels stay 11–12 px on a phone instead of shrinking with the whole picture.
 */
function drawingWidth(): number {
  return Math.round(Math.min(720, Math.max(300, window.innerWidth - 64)));
}

export function drawConsentGraph(nodes: GraphNode[], edges: GraphEdge[]): SVGSVGElement {
  const columns: Record<GraphNode['kind'], GraphNode[]> = { PATIENT: [], BOTH: [], GRANTEE: [] };
  for (const node of nodes) columns[node.kind].push(node);
  const rows = Math.max(1, ...Object.values(columns).map((column) => column.length));
  const width = drawingWidth();
  const narrow = width < 560;
  const rowHeight = 28;
  const height = 60 + rows * rowHeight;
  const x = narrow ? ({ PATIENT: width * 0.3, BOTH: width / 2, GRANTEE: width * 0.7 } as const) : ({ PATIENT: 140, BOTH: width / 2, GRANTEE: width - 140 } as const);
  const position = new Map<string, { x: number; y: number }>();
  for (const kind of ['PATIENT', 'BOTH', 'GRANTEE'] as const) {
    const column = columns[kind];
    const offset = (rows - column.length) * (rowHeight / 2);
    column.forEach((node, index) => position.set(node.id, { x: x[kind], y: 40 + offset + index * rowHeight }));
  }

  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', class: 'consent-graph', 'aria-label': `Consent graph: ${nodes.length} accounts, ${edges.length} consents` });
  root.append(svg('text', { x: x.PATIENT, y: 18, 'text-anchor': 'middle', class: 'column-title' }, 'patients'), svg('text', { x: x.GRANTEE, y: 18, 'text-anchor': 'middle', class: 'column-title' }, 'grantees'));
  for (const edge of edges) {
    const from = position.get(edge.source);
    const to = position.get(edge.target);
    if (!from || !to) continue;
    const middle = (from.x + to.x) / 2;
    const path = svg('path', {
      d: `M ${from.x} ${from.y} C ${middle} ${from.y}, ${middle} ${to.y}, ${to.x} ${to.y}`,
      fill: 'none',
      stroke: PURPOSE_COLOURS[edge.purpose] ?? '#64748b',
      'stroke-width': edge.canWrite ? 2.5 : 1.5,
      'stroke-opacity': 0.7,
      class: 'edge',
      'data-purpose': edge.purpose,
    });
    path.append(svg('title', {}, `${edge.source} → ${edge.target}: ${edge.scope}, ${edge.purpose}${edge.canWrite ? ', read + write' : ', read'}`));
    root.append(path);
  }
  for (const node of nodes) {
    const at = position.get(node.id)!;
    const group = svg('g', { class: `node node-${node.kind.toLowerCase()}` });
    group.append(svg('circle', { cx: at.x, cy: at.y, r: 6 }));
    const label = node.id.length > 14 ? (narrow ? `${node.id.slice(0, 7)}…` : `${node.id.slice(0, 8)}…${node.id.slice(-4)}`) : node.id;
    group.append(svg('text', { x: node.kind === 'GRANTEE' ? at.x + 10 : at.x - 10, y: at.y + 4, 'text-anchor': node.kind === 'GRANTEE' ? 'start' : 'end' }, label));
    group.append(svg('title', {}, node.id));
    root.append(group);
  }
  return root;
}

/**
 * A bar chart of counts by label. A suppressed bar (a count below k, withheld) is drawn as a short
 * dashed outline labelled "< k, withheld": it must never look like a large value, so it takes no
 * share of the scale. A total that includes suppressed parts is labelled as a lower bound ("n+").
 */
export function drawBarChart(title: string, bars: Array<{ label: string; value: number; suppressed: boolean }>, k: number): SVGSVGElement {
  const width = drawingWidth();
  const labelWidth = width < 560 ? 120 : 180;
  const valueRoom = 110;
  const barHeight = 18;
  const height = 30 + Math.max(1, bars.length) * (barHeight + 5);
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', class: 'bar-chart', 'aria-label': title });
  root.append(svg('text', { x: 0, y: 16, class: 'chart-title' }, title));
  bars.forEach((bar, index) => {
    const y = 28 + index * (barHeight + 5);
    const withheld = bar.value === 0 && bar.suppressed;
    const length = withheld ? 10 : (bar.value / max) * (width - labelWidth - valueRoom);
    const text = withheld ? `< ${k}, withheld` : bar.suppressed ? `${bar.value}+` : String(bar.value);
    const label = bar.label.length > (labelWidth - 10) / 6.5 ? `${bar.label.slice(0, Math.floor((labelWidth - 10) / 6.5) - 1)}…` : bar.label;
    const name = svg('text', { x: labelWidth - 10, y: y + 13, 'text-anchor': 'end' }, label);
    name.append(svg('title', {}, bar.label));
    root.append(name);
    root.append(svg('rect', { x: labelWidth, y, width: Math.max(2, length), height: barHeight, class: withheld ? 'bar suppressed' : 'bar', 'data-suppressed': String(withheld) }));
    root.append(svg('text', { x: labelWidth + 6 + length, y: y + 13 }, text));
  });
  if (bars.length === 0) root.append(svg('text', { x: 0, y: 44 }, 'No data in this period.'));
  return root;
}
