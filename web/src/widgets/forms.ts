import type { FieldProblem } from '../lib/api';
import { groupFhirProblems } from '../lib/fhir-problems';
import { h } from './dom';
import { errorsFromNowOn } from './notices';

/** Small form helpers shared by the views: labelled inputs and selects with stable names for tests. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, label), control, hint ? h('small', { class: 'hint' }, hint) : null);
}

export function input(name: string, attributes: Record<string, string | number | boolean> = {}): HTMLInputElement {
  return h('input', { name, ...attributes });
}

export function select(name: string, options: ReadonlyArray<readonly [string, string]> | readonly string[], selected?: string): HTMLSelectElement {
  const element = h('select', { name });
  for (const option of options) {
    const [value, label] = typeof option === 'string' ? [option, option] : option;
    element.append(h('option', { value, selected: value === selected }, label));
  }
  return element;
}

export function button(label: string, onClick: () => void | Promise<void>, attributes: Record<string, string> = {}): HTMLButtonElement {
  const element = h('button', { type: 'button', ...attributes }, label);
  // Busy while it runs, but focusable (as a form's submit button): focus comes back to it after a dialog.
  let running = false;
  element.addEventListener('click', async () => {
    if (running) return;
    running = true;
    element.setAttribute('aria-disabled', 'true');
    element.setAttribute('aria-busy', 'true');
    try {
      await onClick();
    } finally {
      running = false;
      element.removeAttribute('aria-disabled');
      element.removeAttribute('aria-busy');
    }
  });
  return element;
}

/**
 * Per form name, what dismisses the error notices of its last submit: the next submit of a form of that
 * name (the same form, or its redrawn successor) removes them, so no failure stays in red beside a later
 * success.
 */
const previousErrors = new Map<string, () => void>();

/**
 * A form whose submit handler receives its values; a submit clears the field problems and the error
 * notices of the one before (of a form of the same name). While it runs the submit button is marked
 * `aria-disabled` and further submits are ignored. It is not `disabled`, which would drop keyboard focus
 * to the page: focus stays on it, so a confirmation dialog the handler opens can give it back.
 */
export function form(name: string, children: HTMLElement[], submitLabel: string, onSubmit: (values: FormData) => Promise<void>): HTMLFormElement {
  const submit = h('button', { type: 'submit' }, submitLabel);
  const element = h('form', { name, class: 'form' }, ...children, submit);
  let running = false;
  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (running) return;
    running = true;
    submit.setAttribute('aria-disabled', 'true');
    submit.setAttribute('aria-busy', 'true');
    clearFieldProblems(element);
    previousErrors.get(name)?.();
    const raised = errorsFromNowOn();
    try {
      await onSubmit(new FormData(element));
    } finally {
      previousErrors.set(name, raised());
      running = false;
      submit.removeAttribute('aria-disabled');
      submit.removeAttribute('aria-busy');
    }
  });
  return element;
}

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

export function clearFieldProblems(form: HTMLFormElement): void {
  form.querySelectorAll('.field-problems').forEach((list) => list.remove());
  form.querySelectorAll('[aria-invalid]').forEach((control) => {
    control.removeAttribute('aria-invalid');
    control.removeAttribute('aria-describedby');
  });
}

/** Days from now as a Unix time in seconds. */
export function daysFromNow(days: number): bigint {
  return BigInt(Math.floor(Date.now() / 1000) + Math.round(days * 86_400));
}
