import { type Attributes, type Child, h } from './dom';

/** A labelled section with a heading and content. */
export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card', 'data-section': title }, h('h2', {}, title), ...children);
}

/**
 * A table with a caption (for screen readers; visually hidden when the section heading says it). Each
 * cell carries its column's header as `data-label`, so below ~640 px the rows become labelled cards.
 */
export function table(caption: string, headers: string[], rows: Child[][], empty = 'Nothing yet.'): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted empty' }, empty);
  return h(
    'table',
    { class: 'cards-on-phone' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, ...headers.map((header) => h('th', { scope: 'col' }, header)))),
    h('tbody', {}, ...rows.map((cells) => tableRow(headers, cells))),
  );
}

/** One row of a `table`, for rows added later (a next page). */
export function tableRow(headers: string[], cells: Child[], attributes: Attributes = {}): HTMLTableRowElement {
  return h('tr', attributes, ...cells.map((cell, index) => h('td', { 'data-label': headers[index] || null }, cell)));
}
