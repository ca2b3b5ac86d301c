import { h } from './dom';

/**
 * The notice area: pending transactions with their state, and errors that say what went wrong and
 * what to do. Each notice is an element tests and screen readers can find (`role=status`/`alert`).
 */
const area = () => document.getElementById('notices')!;

export type NoticeKind = 'pending' | 'success' | 'error' | 'info';

export interface Notice {
  update(kind: NoticeKind, text: string, detail?: string): void;
  dismiss(): void;
}

export function notice(kind: NoticeKind, text: string, detail?: string): Notice {
  const message = h('span', { class: 'notice-text' });
  const more = h('small', { class: 'notice-detail' });
  const close = h('button', { class: 'link', 'aria-label': 'Dismiss', type: 'button' }, '×');
  const element = h('div', { class: 'notice' }, message, more, close);
  const update = (nextKind: NoticeKind, nextText: string, nextDetail?: string) => {
    element.className = `notice notice-${nextKind}`;
    element.setAttribute('role', nextKind === 'error' ? 'alert' : 'status');
    element.dataset.kind = nextKind;
    message.textContent = nextText;
    more.textContent = nextDetail ?? '';
    if (nextKind === 'success' || nextKind === 'info') setTimeout(() => element.remove(), 8_000);
  };
  close.addEventListener('click', () => element.remove());
  update(kind, text, detail);
  area().prepend(element);
  return { update, dismiss: () => element.remove() };
}

export function showError(error: unknown, context?: string): void {
  const text = error instanceof Error ? error.message : String(error);
  notice('error', context ? `${context}: ${text}` : text);
}
