import { type Child, h } from './dom';

/**
 * Asks before a step that cannot be undone or that matters (approve a treatment, revoke a consent,
 * break the glass). Resolves true only when the user confirms; Escape and Cancel resolve false. Either
 * way focus returns to the control that opened it.
 */
export function confirmAction(options: { title: string; body: Child[]; confirm: string; danger?: boolean }): Promise<boolean> {
  const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title' });
  const cancel = h('button', { type: 'button', 'data-confirm': 'cancel' }, 'Cancel');
  const ok = h('button', { type: 'button', class: options.danger ? 'danger' : 'primary', 'data-confirm': 'ok' }, options.confirm);
  dialog.append(h('h2', { id: 'confirm-title' }, options.title), ...options.body.filter((child): child is Node | string => Boolean(child) || child === 0).map((child) => (typeof child === 'object' ? child : h('p', {}, String(child)))), h('div', { class: 'dialog-actions' }, cancel, ok));
  document.body.append(dialog);
  // Focus goes back to what opened the dialog (the button pressed), never to the page's body.
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  return new Promise((resolve) => {
    const done = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      opener?.focus();
      resolve(answer);
    };
    cancel.addEventListener('click', () => done(false));
    ok.addEventListener('click', () => done(true));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      done(false);
    });
    dialog.showModal();
    cancel.focus();
  });
}
