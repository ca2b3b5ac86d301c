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
