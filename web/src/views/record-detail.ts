import { graphql } from '../gql';
import type { Integrity, RecordDetailsQuery } from '../gql/graphql';
import { request } from '../lib/api';
import type { AppContext } from '../lib/app-context';
import { sendTransaction } from '../lib/contracts';
import { formatTime, h, short, table } from '../lib/dom';
import { summarize } from '../lib/fhir-summary';
import { notice } from '../lib/notices';
import { field, form } from './forms';

const RecordDetails = graphql(`
  query RecordDetails($id: String!, $purpose: String!) {
    record(id: $id) {
      id
      erased
      commitment
      integrity
      content(purpose: $purpose)
      versions {
        version
        commitment
        previousCommitment
        author
        at
        integrity
      }
    }
  }
`);

/** A transaction the API prepared for the writer's wallet to send (records are anchored and amended so). */
graphql(`
  fragment WalletTransaction on PreparedTransaction {
    to
    data
    chainId
  }
`);

const AmendRecord = graphql(`
  mutation AmendRecord($input: AmendRecordInput!) {
    amendRecord(input: $input) {
      version
      transaction {
        ...WalletTransaction
      }
    }
  }
`);

type Details = RecordDetailsQuery['record'];

const INTEGRITY_TEXT: Record<Integrity, string> = {
  VERIFIED: 'Verified',
  TAMPERED: 'Tampered',
  NOT_ANCHORED: 'Not anchored yet',
  ERASED: 'Erased',
};

/** A record's or a version's integrity, as a badge. */
export function integrityBadge(integrity: Integrity): HTMLElement {
  return h('span', { class: `badge badge-${integrity.toLowerCase()}`, 'data-integrity': integrity }, INTEGRITY_TEXT[integrity]);
}

/** A hash or address shortened, with the whole value on hover. */
function hash(value: string | null | undefined): HTMLElement | string {
  return value ? h('code', { title: value }, short(value)) : '—';
}

/** Every version, oldest first: the chain of commitments, each checked against its own on-chain commitment. */
function versionHistory(record: Details): HTMLElement {
  return h(
    'div',
    { class: 'record-versions', 'data-versions': record.id },
    h('h3', {}, 'Versions'),
    table(
      `Versions of the record, oldest first`,
      ['Version', 'Commitment', 'Replaces', 'Author', 'Anchored', 'Integrity'],
      record.versions.map((version) => [
        String(version.version),
        hash(version.commitment),
        hash(version.previousCommitment),
        hash(version.author),
        formatTime(version.at as string),
        integrityBadge(version.integrity),
      ]),
      'Not anchored yet: the versions show once the anchoring transaction is indexed.',
    ),
  );
}

/**
 * The amend form: new content for the record, which the API validates and stores encrypted as the next
 * version; the writer's wallet then anchors it. Only the patient, a guardian or a provider with a write
 * consent for the category may; anyone else gets the API's refusal in the notice.
 */
function amendForm(ctx: AppContext, record: Details, reopen: () => Promise<void>): HTMLFormElement {
  const content = h('textarea', { name: 'content', rows: 10, required: true, spellcheck: false }, JSON.stringify(record.content, null, 2));
  return form('amend-record', [field('New version (FHIR R4 resource, JSON)', content)], 'Amend record', async (values) => {
    let resource: unknown;
    try {
      resource = JSON.parse(String(values.get('content')));
    } catch (error) {
      notice('error', `The content is not JSON (${(error as Error).message}); fix it and submit again.`);
      return;
    }
    const status = notice('pending', 'Amend record: the API validates, encrypts and stores the new version…');
    let amended;
    try {
      ({ amendRecord: amended } = await request(AmendRecord, { input: { recordId: record.id, currentCommitment: record.commitment ?? '', content: resource } }));
      status.dismiss();
    } catch (error) {
      status.update('error', `The new version was not stored: ${(error as Error).message}`);
      return;
    }
    try {
      await sendTransaction(`Amend record ${short(record.id)} to version ${amended.version}`, () => ctx.contracts.sendPrepared(amended.transaction.to, amended.transaction.data), async (hash) => {
        await ctx.live.indexed(hash);
        await reopen();
      });
    } catch {
      // The notice says what went wrong and what to do.
    }
  });
}

/**
 * A record opened under its row: a summary of the FHIR resource (what, value and unit, date, status),
 * the raw JSON under a disclosure, the version history (each version checked against its own on-chain
 * commitment), the form to amend it while it is not erased, and a Close button. The API writes the
 * read to the audit log before it decrypts anything. Opening it again replaces it.
 */
export async function openRecordUnderRow(ctx: AppContext, row: HTMLTableRowElement, id: string, purpose: string): Promise<void> {
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
  cell.setAttribute('aria-busy', 'true');
  try {
    const { record } = await request(RecordDetails, { id, purpose });
    const rows = summarize(record.content);
    cell.replaceChildren(
      h('div', { class: 'record-summary' },
        rows.length > 0 ? h('dl', { class: 'summary' }, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])) : h('p', { class: 'muted' }, record.content ? 'No summary for this kind of resource; see the JSON below.' : 'The content was erased.'),
        record.content ? h('details', { class: 'raw' }, h('summary', {}, 'Raw FHIR JSON'), h('pre', { class: 'content', 'data-record': id, tabindex: '0', 'aria-label': 'Raw FHIR JSON' }, JSON.stringify(record.content, null, 2))) : null,
        versionHistory(record),
        record.erased || !record.commitment
          ? h('p', { class: 'muted' }, record.erased ? 'This record is erased: it cannot be amended.' : 'Amending is possible once the record is anchored.')
          : amendForm(ctx, record, () => openRecordUnderRow(ctx, row, id, purpose)),
        close,
      ),
    );
  } catch (error) {
    cell.replaceChildren(h('p', { class: 'denied', role: 'alert' }, error instanceof Error ? error.message : String(error)), close);
  } finally {
    cell.removeAttribute('aria-busy');
  }
  close.focus();
}
