/** A tiny element builder: the client renders plain DOM, no framework. */
export type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** The short form of an address or hash: 0x1234…abcd. */
export function short(hex: string): string {
  return hex.length > 14 ? `${hex.slice(0, 6)}…${hex.slice(-4)}` : hex;
}

export function formatTime(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const date = value instanceof Date ? value : new Date(typeof value === 'number' || /^\d+$/.test(String(value)) ? Number(value) * 1000 : value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

/** A labelled section with a heading and content. */
export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card', 'data-section': title }, h('h2', {}, title), ...children);
}

/**
 * A table with a caption (for screen readers; visually hidden when the section heading says it). Each
 * cell carries its column's header as `data-label`, so below ~640 px the rows become labelled cards.
 */
export function table(caption: string, headers: string[], rows: Child[][], empty = 'Nothing yet.'): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted empty' }, empty);
  return h(
    'table',
    { class: 'cards-on-phone' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, ...headers.map((header) => h('th', { scope: 'col' }, header)))),
    h('tbody', {}, ...rows.map((cells) => tableRow(headers, cells))),
  );
}

/** One row of a `table`, for rows added later (a next page). */
export function tableRow(headers: string[], cells: Child[], attributes: Attributes = {}): HTMLTableRowElement {
  return h('tr', attributes, ...cells.map((cell, index) => h('td', { 'data-label': headers[index] || null }, cell)));
}

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
