import { graphql } from '../gql';
import type { Integrity } from '../gql/graphql';
import { request } from '../lib/api';
import { h } from '../lib/dom';
import { summarize } from '../lib/fhir-summary';

const RecordContent = graphql(`
  query RecordContent($id: String!, $purpose: String!) {
    record(id: $id) {
      id
      integrity
      content(purpose: $purpose)
    }
  }
`);

const INTEGRITY_TEXT: Record<Integrity, string> = {
  VERIFIED: 'Verified',
  TAMPERED: 'Tampered',
  NOT_ANCHORED: 'Not anchored yet',
  ERASED: 'Erased',
};

export function integrityBadge(integrity: Integrity): HTMLElement {
  return h('span', { class: `badge badge-${integrity.toLowerCase()}`, 'data-integrity': integrity }, INTEGRITY_TEXT[integrity]);
}

/**
 * A record's content, opened under its row: a summary of the FHIR resource (what, value and unit,
 * date, status), the raw JSON under a disclosure, and a Close button. The API writes the read to the
 * audit log before it decrypts anything. Opening it again (or another purpose) replaces it.
 */
export async function openRecordUnderRow(row: HTMLTableRowElement, id: string, purpose: string): Promise<void> {
  const existing = row.nextElementSibling;
  if (existing?.classList.contains('record-detail')) existing.remove();
  const cell = h('td', { colspan: row.cells.length }, h('p', { class: 'muted', role: 'status' }, 'Decrypting…'));
  const detail = h('tr', { class: 'record-detail', 'data-record-detail': id }, cell);
  row.after(detail);
  const close = h('button', { type: 'button', 'data-close-record': id }, 'Close');
  close.addEventListener('click', () => {
    detail.remove();
    row.querySelector<HTMLButtonElement>('[data-open-record]')?.focus();
  });
  try {
    const { record } = await request(RecordContent, { id, purpose });
    const rows = summarize(record.content);
    cell.replaceChildren(
      h('div', { class: 'record-summary' },
        rows.length > 0 ? h('dl', { class: 'summary' }, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])) : h('p', { class: 'muted' }, record.content ? 'No summary for this kind of resource; see the JSON below.' : 'The content was erased.'),
        record.content ? h('details', { class: 'raw' }, h('summary', {}, 'Raw FHIR JSON'), h('pre', { class: 'content', 'data-record': id, tabindex: '0', 'aria-label': 'Raw FHIR JSON' }, JSON.stringify(record.content, null, 2))) : null,
        close,
      ),
    );
  } catch (error) {
    cell.replaceChildren(h('p', { class: 'denied', role: 'alert' }, error instanceof Error ? error.message : String(error)), close);
  }
  close.focus();
}
