import { h } from './dom';

/** A full address (or hash) in monospace, readable and selectable, with a button that copies it. */
export function addressText(address: string, label = 'address'): HTMLElement {
  const text = h('code', { class: 'address-full' }, address);
  const copy = h('button', { type: 'button', class: 'copy', 'aria-label': `Copy ${label} ${address}` }, 'Copy');
  const done = h('span', { class: 'copy-status', role: 'status' });
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(address);
      done.textContent = 'Copied';
    } catch {
      // No clipboard permission (e.g. plain http): select the text so the user can copy it.
      const range = document.createRange();
      range.selectNodeContents(text);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
      done.textContent = 'Selected: press Ctrl+C';
    }
    setTimeout(() => (done.textContent = ''), 2000);
  });
  return h('span', { class: 'address-line' }, text, copy, done);
}

/** Someone's name (or "You") above their full address. */
export function person(name: string | null, address: string): HTMLElement {
  return h('span', { class: 'person' }, name ? h('span', { class: 'person-name' }, name) : null, addressText(address));
}
