import { graphql } from '../gql';
import type { Integrity, RecordDetailsQuery } from '../gql/graphql';
import { ApiError, request } from '../lib/api';
import type { AppContext } from '../lib/app-context';
import { categoryLabel } from '../lib/codes';
import { sendTransaction } from '../lib/contracts';
import { summarize } from '../lib/fhir-summary';
import { showFieldProblems } from '../lib/field-problems';
import { formatTime, h, short } from '../widgets/dom';
import { button, field, form } from '../widgets/forms';
import { notice } from '../widgets/notices';
import { table } from '../widgets/table';

const RecordDetails = graphql(`
  query RecordDetails($id: Bytes32!, $purpose: String!) {
    record(id: $id) {
      id
      patient
      erased
      commitment
      integrity
      clinicianVersion
      content(purpose: $purpose)
      versions {
        version
        commitment
        previousCommitment
        author
        authorName
        at
        integrity
      }
      amendmentRequests {
        id
        requestedBy
        version
        status
        requestedAt
        answerVersion
      }
    }
  }
`);

/** The texts of a record's amendment requests: the patient's side and the providers who may answer read them. */
const AmendmentTexts = graphql(`
  query AmendmentTexts($id: Bytes32!) {
    record(id: $id) {
      amendmentRequests {
        id
        details {
          reason
          proposedChange
          declineReason
          matchesChain
        }
      }
    }
  }
`);

const RequestAmendment = graphql(`
  mutation RequestAmendment($input: RequestAmendmentInput!) {
    requestAmendment(input: $input) {
      requestId
      transaction {
        ...WalletTransaction
      }
    }
  }
`);

const DeclineAmendment = graphql(`
  mutation DeclineAmendment($input: DeclineAmendmentInput!) {
    declineAmendment(input: $input) {
      transaction {
        ...WalletTransaction
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

/** A record as lists show it: what it is (its content's title, e.g. "Asthma"), above its category. */
export function recordTitleCell(title: string | null | undefined, category: string): HTMLElement {
  return h('span', { class: 'record-title' }, h('strong', { 'data-record-title': '' }, title ?? categoryLabel(category)), h('small', { class: 'muted' }, categoryLabel(category)));
}

/** Newest first, by when the record last changed on-chain (else when it was anchored). */
export function newestFirst<T extends { updatedAt?: unknown; createdAt?: unknown }>(records: readonly T[]): T[] {
  const time = (record: T) => new Date(String(record.updatedAt ?? record.createdAt ?? 0)).getTime() || 0;
  return [...records].sort((a, b) => time(b) - time(a));
}

/** What a FHIR resource says (what, value, date, status) as a definition list, or `empty` when it says none of it. */
export function summaryList(resource: unknown, empty: string): HTMLElement {
  const rows = summarize(resource);
  if (rows.length === 0) return h('p', { class: 'muted' }, empty);
  return h('dl', { class: 'summary' }, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

/** Who wrote a version or filed a request, as the viewer reads it: "You", a name, or the patient / a guardian. */
function writer(ctx: AppContext, record: Details, address: string, name?: string | null): string {
  if (address.toLowerCase() === ctx.me) return 'You';
  if (name) return name;
  return address.toLowerCase() === record.patient.toLowerCase() ? `The patient (${short(address)})` : `A guardian (${short(address)})`;
}

/** Every version, oldest first: the chain of commitments, each checked against its own on-chain commitment, each author by name. */
function versionHistory(ctx: AppContext, record: Details): HTMLElement {
  return h(
    'div',
    { class: 'record-versions', 'data-versions': record.id },
    h('h3', {}, 'Versions'),
    table(
      `Versions of the record, oldest first`,
      ['Version', 'Author', 'Anchored', 'Integrity', 'Commitment', 'Replaces'],
      record.versions.map((version) => [
        String(version.version),
        h('span', { 'data-version-author': version.version }, writer(ctx, record, version.author, version.authorName)),
        formatTime(version.at as string),
        integrityBadge(version.integrity),
        hash(version.commitment),
        hash(version.previousCommitment),
      ]),
      'Not anchored yet: the versions show once the anchoring transaction is indexed.',
    ),
  );
}

/** Prepares through the API, then sends the prepared call from the wallet and reopens the record once indexed. */
async function prepareAndSend<P extends { transaction: { to: string; data: string } }>(
  ctx: AppContext,
  what: { pending: string; failed: string; label: (prepared: P) => string },
  prepare: () => Promise<P>,
  reopen: () => Promise<void>,
  onProblems?: (error: unknown) => boolean,
): Promise<void> {
  const status = notice('pending', what.pending);
  let prepared;
  try {
    prepared = await prepare();
    status.dismiss();
  } catch (error) {
    if (onProblems?.(error)) status.dismiss();
    else status.update('error', `${what.failed}: ${(error as Error).message}`);
    return;
  }
  try {
    await sendTransaction(what.label(prepared), () => ctx.contracts.sendPrepared(prepared.transaction.to, prepared.transaction.data), async (hash) => {
      await ctx.live.indexed(hash);
      await reopen();
    });
  } catch {
    // The notice says what went wrong and what to do.
  }
}

/** Parses a JSON field, or shows the problem under it and returns undefined. */
function parsedJson(target: HTMLFormElement, name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    showFieldProblems(target, [{ field: `input.${name}`, message: `is not JSON (${(error as Error).message}); fix it and submit again.` }]);
    return undefined;
  }
}

/** Shows the API's field problems under the form's fields (`submitted`: the JSON sent, per control), and says whether there were any. */
const fieldProblems = (target: HTMLFormElement, submitted: Record<string, unknown> = {}) => (error: unknown) => error instanceof ApiError && showFieldProblems(target, error.fields, submitted);

/**
 * The amend form: new content for the record, which the API validates and stores encrypted as the next
 * version; the writer's wallet then anchors it. `accepting` fills it with an amendment request's
 * proposed change, and the amendment then accepts (closes) that request.
 */
function amendForm(ctx: AppContext, record: Details, reopen: () => Promise<void>, accepting?: { requestId: string; proposedChange: unknown }): HTMLFormElement {
  const content = h('textarea', { name: 'content', rows: 10, required: true, spellcheck: false }, JSON.stringify(accepting?.proposedChange ?? record.content, null, 2));
  const target: HTMLFormElement = form(
    'amend-record',
    [
      accepting ? h('p', { class: 'banner banner-warning', 'data-accepting': accepting.requestId }, 'This amendment accepts the request below: check the proposed change, then amend.') : null,
      field('New version (FHIR R4 resource, JSON)', content),
    ].filter((child): child is HTMLElement => child !== null),
    accepting ? 'Accept: amend record' : 'Amend record',
    async (values) => {
      const resource = parsedJson(target, 'content', String(values.get('content')));
      if (resource === undefined) return;
      await prepareAndSend(
        ctx,
        {
          pending: 'Amend record: the API validates, encrypts and stores the new version…',
          failed: 'The new version was not stored',
          label: (amended) => `Amend record ${short(record.id)} to version ${amended.version}`,
        },
        async () => (await request(AmendRecord, { input: { recordId: record.id, currentCommitment: record.commitment ?? '', content: resource, requestId: accepting?.requestId ?? null } })).amendRecord,
        reopen,
        fieldProblems(target, { content: resource }),
      );
    },
  );
  return target;
}

/**
 * The patient's or guardian's way to correct a clinician's version: the proposed change (starting from
 * the current content) and the reason, which the API stores encrypted and the wallet files on-chain.
 */
function requestForm(ctx: AppContext, record: Details, reopen: () => Promise<void>): HTMLFormElement {
  const change = h('textarea', { name: 'proposedChange', rows: 10, required: true, spellcheck: false }, JSON.stringify(record.content, null, 2));
  const reason = h('textarea', { name: 'reason', rows: 3, required: true, maxlength: 2000 });
  const target: HTMLFormElement = form(
    'request-amendment',
    [
      h('p', { class: 'hint' }, 'A clinician wrote this version, so it cannot be changed directly. Propose the change and say why; a clinician accepts it by amending the record, or declines it with a reason you will see here.'),
      field('Proposed change (FHIR R4 resource, JSON)', change),
      field('Why it should change', reason),
    ],
    'Request amendment',
    async (values) => {
      const proposedChange = parsedJson(target, 'proposedChange', String(values.get('proposedChange')));
      if (proposedChange === undefined) return;
      await prepareAndSend(
        ctx,
        { pending: 'Request amendment: the API validates and stores it encrypted…', failed: 'The request was not stored', label: () => 'Request amendment' },
        async () =>
          (await request(RequestAmendment, { input: { recordId: record.id, currentCommitment: record.commitment ?? '', proposedChange, reason: String(values.get('reason')) } })).requestAmendment,
        reopen,
        fieldProblems(target, { proposedChange }),
      );
    },
  );
  return target;
}

type Texts = Map<string, { reason: string; proposedChange: unknown; declineReason?: string | null; matchesChain: boolean } | null>;

const STATUS_TEXT: Record<string, string> = { OPEN: 'Open', ACCEPTED: 'Accepted', DECLINED: 'Declined' };

/**
 * The record's amendment requests: who asked, for which version, why, and the answer. A provider who may
 * answer gets, for an open one, "Accept…" (the amend form filled with the proposed change) and a decline
 * form asking for the reason.
 */
function amendmentRequests(ctx: AppContext, record: Details, texts: Texts | null, answering: boolean, reopen: () => Promise<void>, accept: (requestId: string, proposedChange: unknown) => void): HTMLElement {
  const rows = record.amendmentRequests.map((item) => {
    const text = texts?.get(item.id) ?? null;
    const reason = text ? h('span', {}, text.reason, text.matchesChain ? null : h('strong', { class: 'denied' }, ' (does not match the on-chain hash)')) : texts ? 'The API holds no text for it.' : 'Not readable with your access.';
    const answer =
      item.status === 'DECLINED'
        ? h('span', { 'data-decline-reason': item.id }, text?.declineReason ?? 'Declined.')
        : item.status === 'ACCEPTED'
          ? `Accepted: version ${item.answerVersion}.`
          : answering && text
            ? h(
                'div',
                { class: 'request-actions' },
                button('Accept…', () => accept(item.id, text.proposedChange), { 'data-accept-request': item.id }),
                declineForm(ctx, item.id, reopen),
              )
            : 'Waiting for a clinician.';
    return [writer(ctx, record, item.requestedBy), String(item.version), h('span', { 'data-request-status': item.status }, STATUS_TEXT[item.status] ?? item.status), reason, answer];
  });
  return h(
    'div',
    { class: 'amendment-requests', 'data-amendment-requests': record.id },
    h('h3', {}, 'Amendment requests'),
    table('Amendment requests of the record, oldest first', ['Requested by', 'Version', 'Status', 'Reason', 'Answer'], rows, 'None.'),
  );
}

function declineForm(ctx: AppContext, requestId: string, reopen: () => Promise<void>): HTMLFormElement {
  const reason = h('textarea', { name: 'reason', rows: 2, required: true, maxlength: 2000 });
  const target: HTMLFormElement = form('decline-amendment', [field('Reason for declining (the patient reads it)', reason)], 'Decline request', async (values) => {
    await prepareAndSend(
      ctx,
      { pending: 'Decline request: the API stores your reason encrypted…', failed: 'The decline was not stored', label: () => 'Decline amendment request' },
      async () => (await request(DeclineAmendment, { input: { requestId, reason: String(values.get('reason')) } })).declineAmendment,
      reopen,
      fieldProblems(target),
    );
  });
  target.dataset.declineRequest = requestId;
  return target;
}

/**
 * A record opened under its row: a summary of the FHIR resource (what, value and unit, date, status),
 * the raw JSON under a disclosure, the version history (each version checked against its own on-chain
 * commitment, each author by name), its amendment requests, and what the viewer may write: the patient's
 * side amends its own versions and requests the amendment of a clinician's; a provider amends, and
 * accepts or declines requests; nothing under emergency (read-only) access. The API writes every read to
 * the audit log before it decrypts anything. Opening it again replaces it.
 */
export async function openRecordUnderRow(ctx: AppContext, row: HTMLTableRowElement, id: string, purpose: string, side: 'patient' | 'provider'): Promise<void> {
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
  const reopen = () => openRecordUnderRow(ctx, row, id, purpose, side);
  cell.setAttribute('aria-busy', 'true');
  try {
    const { record } = await request(RecordDetails, { id, purpose });
    const readOnly = purpose === 'ETREAT';
    let texts: Texts | null = null;
    if (record.amendmentRequests.length > 0 && !readOnly) {
      texts = await request(AmendmentTexts, { id }).then(
        ({ record: withTexts }) => new Map(withTexts.amendmentRequests.map((item) => [item.id, item.details ?? null])),
        () => null,
      );
    }
    const writing = h('div', { class: 'record-writing' });
    const showWriting = (accepting?: { requestId: string; proposedChange: unknown }) => {
      if (record.erased || !record.commitment) {
        writing.replaceChildren(h('p', { class: 'muted' }, record.erased ? 'This record is erased: it cannot be amended.' : 'Amending is possible once the record is anchored.'));
      } else if (readOnly) {
        writing.replaceChildren(h('p', { class: 'muted', 'data-read-only': '' }, 'Read under emergency access, which is read-only: nothing can be amended from here.'));
      } else if (side === 'patient' && record.clinicianVersion) {
        writing.replaceChildren(requestForm(ctx, record, reopen));
      } else {
        writing.replaceChildren(amendForm(ctx, record, reopen, accepting));
      }
    };
    showWriting();
    const accept = (requestId: string, proposedChange: unknown) => {
      showWriting({ requestId, proposedChange });
      writing.querySelector('textarea')?.focus();
    };
    cell.replaceChildren(
      h('div', { class: 'record-summary' },
        summaryList(record.content, record.content ? 'No summary for this kind of resource; see the JSON below.' : 'The content was erased.'),
        record.content ? h('details', { class: 'raw' }, h('summary', {}, 'Raw FHIR JSON'), h('pre', { class: 'content', 'data-record': id, tabindex: '0', 'aria-label': 'Raw FHIR JSON' }, JSON.stringify(record.content, null, 2))) : null,
        versionHistory(ctx, record),
        record.amendmentRequests.length > 0 ? amendmentRequests(ctx, record, texts, side === 'provider' && !readOnly, reopen, accept) : null,
        writing,
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
