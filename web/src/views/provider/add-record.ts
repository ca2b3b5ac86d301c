import { graphql } from '../../gql';
import type { ProviderOverviewQuery } from '../../gql/graphql';
import { ApiError, request } from '../../lib/api';
import { categoryLabel, fhirTemplate } from '../../lib/codes';
import { showFieldProblems } from '../../lib/field-problems';
import { confirmAction } from '../../widgets/confirm';
import { formatTime, h, short } from '../../widgets/dom';
import { button, field, form, select } from '../../widgets/forms';
import { notice } from '../../widgets/notices';
import { section } from '../../widgets/table';
import { summaryList } from '../record-detail';
import { categoriesFor, patientPicker, type ProviderPage } from './page';

const PrepareRecord = graphql(`
  mutation PrepareRecord($input: PrepareRecordInput!) {
    prepareRecord(input: $input) {
      recordId
      transaction {
        ...PreparedCall
      }
    }
  }
`);

type Treatment = ProviderOverviewQuery['patient']['treatmentsProposed']['nodes'][number];

/**
 * The "Add a record" section: only patients and categories she holds a write consent for; the content
 * starts empty (an example is inserted only when asked, marked as one); a confirmation names the patient
 * and summarises the resource; the API validates, encrypts and stores it, and the wallet anchors it.
 */
export function addRecordSection(page: ProviderPage, treatmentsProposed: readonly Treatment[]): HTMLElement {
  const { ctx, patients, labelOf, run } = page;
  const writers = patients.filter((patient) => categoriesFor(page, patient, 'canWrite').length > 0);
  // Nothing clinical is pre-filled: the content starts empty, and an example is inserted only when asked, marked as one.
  const content = h('textarea', { name: 'content', rows: 12, spellcheck: 'false', required: true });
  const addPatient = patientPicker(page, 'patient', writers);
  const categoryPicker = select('category', []);
  categoryPicker.required = true;
  const templateNote = h('p', { class: 'template-note', 'data-template-note': '', role: 'status' });
  const insertExample = button('Insert an example to edit', () => {
    const category = categoryPicker.value;
    if (!category) {
      templateNote.textContent = 'Choose a category first: the example is of that kind of resource.';
      return;
    }
    content.value = JSON.stringify(fhirTemplate(category, addPatient.value || 'example'), null, 2);
    templateNote.textContent = `Example inserted: every code, value and date in it is made up. Replace them with this patient's own before adding.`;
    content.focus();
  }, { 'data-action': 'insert-example' });
  const syncAdd = () => {
    const categories = categoriesFor(page, addPatient.value, 'canWrite').filter((category) => category !== 'Patient');
    categoryPicker.replaceChildren(h('option', { value: '' }, 'Choose a category…'), ...categories.map((category) => h('option', { value: category }, categoryLabel(category))));
  };
  addPatient.addEventListener('change', syncAdd);
  syncAdd();
  // Records can be filed under a treatment the patient (or a guardian) approved.
  const approved = treatmentsProposed.filter((treatment) => treatment.status === 'APPROVED');
  const treatmentPicker = select('treatmentId', [['', 'None'], ...approved.map((treatment): [string, string] => [treatment.id, `Approved for ${labelOf(treatment.patient)} on ${formatTime(treatment.proposedAt as string)}`])]);
  const addRecord = form(
    'add-record',
    [field('Patient', addPatient), field('Category', categoryPicker), field('FHIR R4 resource (JSON)', content), h('div', { class: 'template-actions' }, insertExample, templateNote), field('Approved treatment (optional)', treatmentPicker)],
    'Add record…',
    async (values) => {
      let resource: unknown;
      try {
        resource = JSON.parse(String(values.get('content')));
      } catch (error) {
        showFieldProblems(addRecord, [{ field: 'input.content', message: `is not JSON (${(error as Error).message}); fix it and submit again.` }]);
        return;
      }
      const patient = String(values.get('patient'));
      const category = String(values.get('category'));
      // The provider confirms whose record this is and what it says before anything is stored or anchored.
      const sure = await confirmAction({
        title: 'Add this record?',
        body: [h('p', {}, 'Patient: ', h('strong', { 'data-confirm-patient': '' }, labelOf(patient))), `Category: ${categoryLabel(category)}.`, summaryList(resource, 'This resource has no summary to show: check its JSON before adding it.'), 'Once anchored it stays in the record: a correction is a new version.'],
        confirm: 'Add record',
      });
      if (!sure) return;
      let prepared;
      const status = notice('pending', 'Add record: the API validates, encrypts and stores it…');
      try {
        ({ prepareRecord: prepared } = await request(PrepareRecord, {
          input: { patient, category, content: resource, treatmentId: String(values.get('treatmentId') || '') || null },
        }));
        status.dismiss();
      } catch (error) {
        // Problems the API places on a field show under that field; anything else in a notice.
        if (error instanceof ApiError && showFieldProblems(addRecord, error.fields, { content: resource })) status.dismiss();
        else status.update('error', `The record was not stored: ${(error as Error).message}`);
        return;
      }
      await run(`Anchor record ${short(prepared.recordId)}`, () => ctx.contracts.sendPrepared(prepared.transaction.to, prepared.transaction.data));
    },
  );
  return section('Add a record', writers.length ? addRecord : h('p', { class: 'muted empty' }, 'No patient has given you a write consent yet.'));
}
