import { clearFieldProblems } from '../widgets/forms';
import { h } from '../widgets/dom';
import type { FieldProblem } from './api';
import { groupFhirProblems } from './fhir-problems';

/** The form control an API field path points at: `input.content.code` → the control named `content`. */
function controlFor(form: HTMLFormElement, path: string): HTMLElement | null {
  const name = path.replace(/^input\./, '').split(/[.[]/)[0] ?? '';
  const control = form.elements.namedItem(name);
  return control instanceof HTMLElement ? control : null;
}

/**
 * Shows each problem the API named under its own field (`aria-invalid`, and the message tied to the
 * control with `aria-describedby`); problems of no field on the form go in a list after its fields.
 * `submitted` holds the JSON values the form sent, per control (`{ content: resource }`): the FHIR
 * validator's findings in them are grouped per element, in words (lib/fhir-problems.ts).
 * Returns whether there was anything to show.
 */
export function showFieldProblems(form: HTMLFormElement, found: readonly FieldProblem[], submitted: Record<string, unknown> = {}): boolean {
  clearFieldProblems(form);
  const problems = groupFhirProblems(found, submitted);
  const loose: FieldProblem[] = [];
  const byControl = new Map<HTMLElement, FieldProblem[]>();
  for (const problem of problems) {
    const control = controlFor(form, problem.field);
    if (control) byControl.set(control, [...(byControl.get(control) ?? []), problem]);
    else loose.push(problem);
  }
  byControl.forEach((items, control) => {
    const id = `${form.name}-${control.getAttribute('name')}-problems`;
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', id);
    control.after(problemList(id, items, control.getAttribute('name') ?? ''));
  });
  if (loose.length > 0) form.querySelector('button[type="submit"]')?.before(problemList(`${form.name}-problems`, loose, ''));
  return problems.length > 0;
}

function problemList(id: string, problems: readonly FieldProblem[], name: string): HTMLElement {
  // The path inside the field is what helps (e.g. `valueQuantity.value` inside the FHIR content).
  const where = (path: string) => path.replace(/^input\./, '').replace(new RegExp(`^${name}\\.?`), '');
  return h(
    'div',
    { class: 'field-problems', id, role: 'alert', 'data-field-problems': name || 'form' },
    h('ul', {}, ...problems.map((problem) => h('li', {}, where(problem.field) ? h('code', {}, where(problem.field)) : null, where(problem.field) ? ': ' : '', problem.message))),
  );
}
