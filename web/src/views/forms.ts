import { h } from '../lib/dom';

/** Small form helpers shared by the views: labelled inputs and selects with stable names for tests. */
export function field(label: string, control: HTMLElement): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, label), control);
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
  element.addEventListener('click', async () => {
    element.disabled = true;
    try {
      await onClick();
    } finally {
      element.disabled = false;
    }
  });
  return element;
}

/** A form whose submit handler receives its values; the submit button is disabled while it runs. */
export function form(name: string, children: HTMLElement[], submitLabel: string, onSubmit: (values: FormData) => Promise<void>): HTMLFormElement {
  const submit = h('button', { type: 'submit' }, submitLabel);
  const element = h('form', { name, class: 'form' }, ...children, submit);
  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      await onSubmit(new FormData(element));
    } finally {
      submit.disabled = false;
    }
  });
  return element;
}

/** Days from now as a Unix time in seconds. */
export function daysFromNow(days: number): bigint {
  return BigInt(Math.floor(Date.now() / 1000) + Math.round(days * 86_400));
}
