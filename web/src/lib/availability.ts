import { h } from '../widgets/dom';

/** What the API's `/readyz` answers (api/src/app/readiness.ts). */
interface Readiness {
  ready: boolean;
  checks?: Record<string, { status?: string }>;
}

/** How each dependency of the API is named to people. */
const PARTS: Record<string, string> = {
  database: 'the database (profiles, sign-in, record contents)',
  chain: 'the blockchain node (sign-in, permissions, transactions)',
  graphNode: 'the indexer (records, consents, analytics)',
};
/** How often readiness is asked while all is well, and while something is down. */
const POLL_MS = 5_000;
const POLL_DOWN_MS = 2_000;

/**
 * The availability banner: polls the API's readiness (`/readyz`, next to its GraphQL endpoint) every
 * few seconds, and at once when a call answered SERVICE_UNAVAILABLE (`check`). While a part is down it
 * says which, and that it comes back by itself; it disappears when the API is ready again. It sits
 * under the header, in the page's flow, so it covers no control.
 */
export function watchAvailability(graphqlUrl: string): { check(): void } {
  const readyUrl = new URL('/readyz', new URL(graphqlUrl, window.location.href)).toString();
  const text = h('span', { class: 'availability-text' });
  const banner = h('div', { id: 'availability', class: 'availability', role: 'status', 'aria-live': 'polite', hidden: true }, text);
  document.querySelector('header.bar')!.after(banner);

  let timer: ReturnType<typeof setTimeout> | undefined;
  let asking = false;
  const show = (down: string[] | null) => {
    if (down === null) {
      banner.hidden = true;
      text.textContent = '';
      return;
    }
    const what = down.length > 0 ? down.join(', ') : 'a part of the service';
    // Short enough to stay a strip of a phone's screen (three lines at 390 px).
    text.textContent = `Temporarily unavailable: ${what}. What needs it fails until it comes back by itself; no reload needed.`;
    banner.hidden = false;
  };
  const check = async () => {
    if (asking) return;
    asking = true;
    clearTimeout(timer);
    let down: string[] | null;
    try {
      const response = await fetch(readyUrl, { cache: 'no-store' });
      const body = (await response.json().catch(() => ({ ready: false }))) as Readiness;
      down = body.ready && response.ok
        ? null
        : Object.entries(body.checks ?? {}).filter(([, check]) => check.status === 'down').map(([name]) => PARTS[name] ?? name);
      if (down?.length === 0 && response.status >= 500 && !body.checks) down = ['the API server'];
    } catch {
      down = ['the API server (or your connection)'];
    }
    show(down);
    asking = false;
    timer = setTimeout(() => void check(), down === null ? POLL_MS : POLL_DOWN_MS);
  };
  void check();
  return { check: () => void check() };
}
