import type { PatientOverviewQuery } from '../../gql/graphql';
import { categoryLabel, decisionLabel, purposeLabel } from '../../lib/codes';
import { formatTime, h, short } from '../../widgets/dom';
import { section, table } from '../../widgets/table';
import type { PatientPage } from './page';

type Overview = PatientOverviewQuery['patient'];

/**
 * The "Who read what" section: the audit trail of reads of the patient's data by others (the patient's
 * own reads, opening a record or the list's titles, are audited too, but are not news to them), each
 * naming the record as the view knows it, and the audit batch that anchors it on-chain.
 */
export function auditTrailSection(page: PatientPage, entries: Overview['auditTrail']['nodes'], records: Overview['records']['nodes'], treatments: Overview['treatments']['nodes']): HTMLElement {
  const { patient, who } = page;
  // The audit trail names records by their category where the view knows it.
  const recordNames = new Map<string, string>(records.map((record) => [record.id, `${record.title ?? categoryLabel(record.category)} (${categoryLabel(record.category)}), ${formatTime(record.createdAt as string | null)}`]));
  for (const treatment of treatments) recordNames.set(treatment.id, `Treatment plan of ${formatTime(treatment.proposedAt as string)}`);
  // Emergency access finds a patient by name and birth date; each find is logged with no record.
  recordNames.set(`0x${'00'.repeat(32)}`, 'Looked up by name and birth date');
  return section(
    'Who read what',
    table(
      'Who read what',
      ['When', 'Who', 'Record', 'Purpose', 'Decision', 'Anchored in batch'],
      entries
        .filter((entry) => entry.actor.toLowerCase() !== patient)
        .map((entry) => [formatTime(entry.at as string), who(entry.actor), recordNames.get(entry.recordId) ?? h('code', { title: entry.recordId }, short(entry.recordId)), purposeLabel(entry.purpose), decisionLabel(entry.decision), entry.anchor?.batchId ?? 'Pending']),
      'Nobody else has read these records yet.',
    ),
  );
}
