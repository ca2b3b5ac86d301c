import { graphql } from '../../gql';
import type { PatientRecordPageFragment } from '../../gql/graphql';
import { request } from '../../lib/api';
import { categoryLabel } from '../../lib/codes';
import { downloadEverything } from '../../lib/fhir-download';
import { formatTime, h } from '../../widgets/dom';
import { button } from '../../widgets/forms';
import { notice } from '../../widgets/notices';
import { section, tableRow } from '../../widgets/table';
import { integrityBadge, newestFirst, openRecordUnderRow, recordTitleCell } from '../record-detail';
import type { PatientPage } from './page';

/** A page of the patient's records as the records table shows them (first page and every next one). */
graphql(`
  fragment PatientRecordPage on RecordConnection {
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      id
      category
      title(purpose: "TREAT")
      version
      integrity
      createdAt
      updatedAt
      authorAddress
      author {
        providerProfile {
          displayName
        }
      }
    }
  }
`);

const MoreRecords = graphql(`
  query MoreRecords($patient: Address!, $after: String) {
    patient(address: $patient) {
      records(first: 25, after: $after) {
        ...PatientRecordPage
      }
    }
  }
`);

/**
 * The Records section: the patient's records by what they are (reading the titles is audited like any
 * content read), newest first, each opened under its row, a page at a time; and the download of
 * everything this account may read of the patient as one FHIR R4 Bundle (the API's /fhir facade).
 */
export function recordsSection(page: PatientPage, firstPage: PatientRecordPageFragment): HTMLElement {
  const { ctx, patient, actingAsGuardian, who } = page;
  const recordHeaders = ['Record', 'Author', 'Version', 'Changed', 'Integrity', ''];
  type RecordRow = PatientRecordPageFragment['nodes'][number];
  const recordRow = (record: RecordRow) => {
    const row: HTMLTableRowElement = tableRow(recordHeaders, [
      recordTitleCell(record.title, record.category),
      record.author.providerProfile?.displayName ?? who(record.authorAddress),
      record.version,
      formatTime((record.updatedAt ?? record.createdAt) as string | null),
      integrityBadge(record.integrity),
      button('Open', () => openRecordUnderRow(ctx, row, record.id, 'TREAT', 'patient'), { 'data-open-record': record.id, 'aria-label': `Open ${record.title ?? categoryLabel(record.category)}, ${formatTime(record.createdAt as string | null)}` }),
    ]);
    return row;
  };
  const recordRows = h('tbody', {}, ...newestFirst(firstPage.nodes).map(recordRow));
  const moreRecords = h('div', { class: 'more' });
  const offerMore = (pageInfo: { hasNextPage: boolean; endCursor?: string | null }) =>
    moreRecords.replaceChildren(
      pageInfo.hasNextPage
        ? button('More records', async () => {
            const { patient: next } = await request(MoreRecords, { patient, after: pageInfo.endCursor ?? null });
            recordRows.append(...newestFirst(next.records.nodes).map(recordRow));
            offerMore(next.records.pageInfo);
          })
        : '',
    );
  offerMore(firstPage.pageInfo);
  const download = button(
    actingAsGuardian ? 'Download their records (FHIR)' : 'Download my records (FHIR)',
    async () => {
      try {
        const count = await downloadEverything(patient);
        notice('success', `Saved ${count} FHIR resources (records, consents, provenance) as one FHIR R4 Bundle. Each record read for it is in the audit trail.`);
      } catch (error) {
        notice('error', error instanceof Error ? error.message : String(error));
      }
    },
    { 'data-download-fhir': '' },
  );
  return section(
    'Records',
    h('p', { class: 'actions' }, download),
    firstPage.nodes.length === 0
      ? h('p', { class: 'muted empty' }, 'No records yet. A provider you grant a write consent can add one.')
      : h('table', { class: 'cards-on-phone' }, h('caption', { class: 'visually-hidden' }, 'Records'), h('thead', {}, h('tr', {}, ...recordHeaders.map((header) => h('th', { scope: 'col' }, header || h('span', { class: 'visually-hidden' }, 'Actions'))))), recordRows),
    moreRecords,
  );
}
