import { h, short } from './dom';

/**
 * The notice area: pending transactions with their state, and errors that say what went wrong and
 * what to do. Each notice is an element tests and screen readers can find (`role=status`/`alert`).
 * At most three show at once (older finished ones go first); a pending one cannot be dismissed, as
 * it is the only place its transaction's progress shows.
 */
const area = () => document.getElementById('notices')!;
const MAX_SHOWN = 3;

export type NoticeKind = 'pending' | 'success' | 'error' | 'info';

export interface Notice {
  /** `detail` is a transaction hash or similar: shown shortened, in full on hover and to screen readers. */
  update(kind: NoticeKind, text: string, detail?: string): void;
  dismiss(): void;
}

/** Keeps the newest notices: drops the oldest finished ones, then (only if still too many) the oldest of all. */
function trim(): void {
  const shown = Array.from(area().children) as HTMLElement[];
  const excess = shown.length - MAX_SHOWN;
  if (excess <= 0) return;
  const oldestFirst = shown.reverse();
  const finished = oldestFirst.filter((element) => element.dataset.kind !== 'pending');
  [...finished, ...oldestFirst.filter((element) => !finished.includes(element))].slice(0, excess).forEach((element) => element.remove());
}

export function notice(kind: NoticeKind, text: string, detail?: string): Notice {
  const message = h('span', { class: 'notice-text' });
  const more = h('small', { class: 'notice-detail' });
  const close = h('button', { class: 'link', 'aria-label': 'Dismiss', type: 'button' }, '×');
  const element = h('div', { class: 'notice' }, message, more, close);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const update = (nextKind: NoticeKind, nextText: string, nextDetail?: string) => {
    element.className = `notice notice-${nextKind}`;
    element.setAttribute('role', nextKind === 'error' ? 'alert' : 'status');
    element.dataset.kind = nextKind;
    message.textContent = nextText;
    more.textContent = nextDetail ? short(nextDetail) : '';
    if (nextDetail) more.title = nextDetail;
    else more.removeAttribute('title');
    close.hidden = nextKind === 'pending';
    clearTimeout(timer);
    if (nextKind === 'success' || nextKind === 'info') timer = setTimeout(() => element.remove(), 8_000);
  };
  close.addEventListener('click', () => element.remove());
  update(kind, text, detail);
  area().prepend(element);
  trim();
  return { update, dismiss: () => element.remove() };
}

/**
 * Marks the notices showing now; the function returned dismisses the error notices shown since. A form
 * uses it so that its own earlier failure does not stay in red beside its later success.
 */
export function errorsFromNowOn(): () => () => void {
  const before = new Set(area().children);
  return () => {
    const raised = Array.from(area().children).filter((element) => !before.has(element) && (element as HTMLElement).dataset.kind === 'error');
    return () => raised.forEach((element) => element.remove());
  };
}

export function showError(error: unknown, context?: string): void {
  const text = error instanceof Error ? error.message : String(error);
  notice('error', context ? `${context}: ${text}` : text);
}
