import './styles.css';
import type { WebRuntimeConfig } from './config-json';
import { graphql } from './gql';
import { onServiceUnavailable, onSessionEnded, request, useGraphqlUrl } from './lib/api';
import type { AppContext } from './lib/app-context';
import { watchAvailability } from './lib/availability';
import { loadConfig } from './lib/config';
import { contractsFor } from './lib/contracts';
import { emergencyBanner } from './lib/emergency-banner';
import { startLive, type AccountEvent, type Live } from './lib/live';
import { patientNames } from './lib/people';
import { signIn, signOut } from './lib/session';
import { connectWallet, onWalletChange, type Wallet } from './lib/wallet';
import { renderPatientView } from './views/patient/patient-view';
import { renderProviderView } from './views/provider/provider-view';
import { renderResearcherView } from './views/researcher-view';
import { addressText } from './widgets/address';
import { h, replaceChildren, short } from './widgets/dom';
import { notice, showError } from './widgets/notices';

const Whoami = graphql(`
  query Whoami {
    me {
      address
      sessionExpiresAt
    }
  }
`);

const MyRoles = graphql(`
  query MyRoles($me: Address!) {
    myRoles {
      verifiedProvider
      verifiedResearcher
      registrar
      admin
    }
    patient(address: $me) {
      wards(first: 20) {
        nodes {
          patient
          active
        }
      }
    }
  }
`);

interface Tab {
  id: string;
  label: string;
  render(ctx: AppContext): Promise<HTMLElement>;
}

const app = () => document.getElementById('app')!;
/** Whether the signed-in screen is showing (an UNAUTHENTICATED answer then means the session ended). */
let signedIn = false;
/** The wallet of the signed-in account, for signing in again in place. */
let signedInWallet: Wallet | null = null;

/**
 * A banner above the view: the session ended, what was typed is kept, and a button that signs in again
 * with the same wallet without leaving the page; then the user submits once more.
 */
function offerSignInAgain(config: WebRuntimeConfig): void {
  if (document.querySelector('[data-reauth]') || !signedInWallet) return;
  const wallet = signedInWallet;
  const again = h('button', { type: 'button', class: 'primary', 'data-action': 'sign-in-again' }, 'Sign in again');
  const banner = h('div', { class: 'banner banner-warning reauth', role: 'alert', 'data-reauth': '' }, h('span', {}, 'Your session ended (it expired or was signed out). Nothing you typed is lost: sign in again, then submit once more. '), again);
  again.addEventListener('click', async () => {
    again.setAttribute('aria-disabled', 'true');
    try {
      await signIn(config, wallet);
      banner.remove();
      notice('success', 'Signed in again: submit what you were doing once more.');
    } catch (error) {
      showError(error, 'Signing in again failed');
    } finally {
      again.removeAttribute('aria-disabled');
    }
  });
  app().before(banner);
  again.focus();
}
/** The signed-in account's live connection (subscriptions), closed at sign-out. */
let live: Live | undefined;
const accountArea = () => document.getElementById('account')!;

/** Whether `me` made this change (as actor, or as the author, proposer or opener the event names). */
function causedBy(event: AccountEvent, me: string): boolean {
  return event.actor === me || (event.actor === null && event.counterparty === me && event.kind !== 'CONSENT_EXPIRED');
}

async function main(): Promise<void> {
  let config: WebRuntimeConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    replaceChildren(app(), h('p', { class: 'denied', role: 'alert' }, (error as Error).message));
    return;
  }
  useGraphqlUrl(config.graphqlUrl);
  const availability = watchAvailability(config.graphqlUrl);
  onServiceUnavailable(() => availability.check());
  onWalletChange(() => {
    notice('info', 'The wallet switched account or chain: sign in again.');
    void signOut(config).then(() => showSignedOut(config));
  });
  // A session that ends (expired, signed out in another tab, server restarted with new secrets) keeps
  // the page as it is, drafts included, and offers to sign in again in place.
  onSessionEnded(() => {
    if (signedIn) offerSignInAgain(config);
  });
  if (!(await resumeSession(config))) showSignedOut(config);
}

/**
 * After a reload: when the API still holds a session and the wallet already shares that account
 * (`eth_accounts` never prompts), continue without signing again.
 */
async function resumeSession(config: WebRuntimeConfig): Promise<boolean> {
  if (!window.ethereum) return false;
  try {
    const [{ me }, accounts] = await Promise.all([request(Whoami), window.ethereum.request({ method: 'eth_accounts' }) as Promise<string[]>]);
    if (!me || !accounts[0] || accounts[0].toLowerCase() !== me.address.toLowerCase()) return false;
    await showSignedIn(config, await connectWallet(config));
    return true;
  } catch {
    return false;
  }
}

function showSignedOut(config: WebRuntimeConfig): void {
  signedIn = false;
  signedInWallet = null;
  document.querySelector('[data-reauth]')?.remove();
  live?.close();
  live = undefined;
  replaceChildren(accountArea());
  const connect = h('button', { type: 'button', class: 'primary', 'data-action': 'connect' }, 'Connect wallet and sign in');
  connect.addEventListener('click', async () => {
    connect.disabled = true;
    try {
      const wallet = await connectWallet(config);
      const status = notice('pending', 'Sign the sign-in message in your wallet…');
      try {
        await signIn(config, wallet);
        status.dismiss();
      } catch (error) {
        status.update('error', (error as Error).message);
        return;
      }
      await showSignedIn(config, wallet);
    } catch (error) {
      showError(error);
    } finally {
      connect.disabled = false;
    }
  });
  replaceChildren(
    app(),
    h(
      'section',
      { class: 'card welcome' },
      h('h2', {}, 'Your health records, under your control'),
      h('p', {}, 'Records stay encrypted off-chain; the chain holds their fingerprints and your consent decisions. Connect MetaMask (or any Ethereum wallet) and sign in with Ethereum to continue.'),
      connect,
    ),
  );
}

async function showSignedIn(config: WebRuntimeConfig, wallet: Wallet): Promise<void> {
  const { me } = await request(Whoami);
  if (!me) throw new Error('The API did not keep the session (cookies blocked?). Allow cookies for this site and sign in again.');
  const address = me.address.toLowerCase();
  const { myRoles, patient } = await request(MyRoles, { me: address });

  const tabs: Tab[] = [];
  if (myRoles.verifiedProvider) tabs.push({ id: 'provider', label: 'Provider', render: (ctx) => renderProviderView(ctx) });
  if (myRoles.verifiedResearcher) tabs.push({ id: 'research', label: 'Research', render: (ctx) => renderResearcherView(ctx) });
  tabs.push({ id: 'patient', label: 'My records', render: (ctx) => renderPatientView(ctx, address, false) });
  const wards = patient.wards.nodes.filter((link) => link.active);
  const wardNames = await patientNames(wards.map((ward) => ward.patient));
  for (const ward of wards) {
    const name = wardNames.get(ward.patient.toLowerCase()) ?? short(ward.patient);
    tabs.push({ id: `ward-${ward.patient}`, label: `Guardian of ${name}`, render: (ctx) => renderPatientView(ctx, ward.patient.toLowerCase(), true) });
  }

  const signOutButton = h('button', { type: 'button', class: 'link' }, 'Sign out');
  signOutButton.addEventListener('click', async () => {
    await signOut(config);
    showSignedOut(config);
  });
  const roleNames = [myRoles.verifiedProvider && 'Provider', myRoles.verifiedResearcher && 'Researcher', wards.length > 0 && 'Guardian', 'Patient'].filter(Boolean);
  replaceChildren(
    accountArea(),
    h('span', { class: 'address', 'data-signed-in': address }, h('span', { class: 'visually-hidden' }, 'Signed in as '), addressText(address, 'your address')),
    h('span', { class: 'roles' }, roleNames.join(' · ')),
    signOutButton,
  );
  signedIn = true;
  signedInWallet = wallet;

  const nav = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Views' });
  const body = h('div', { class: 'tab-body', role: 'tabpanel', id: 'tab-body', tabindex: '-1' });
  const busy = h('p', { class: 'busy-cue', role: 'status' });
  const emergency = emergencyBanner(address);
  // Events about this account: the emergency banner, and the view refreshes for changes others made
  // (this tab refreshes after its own transactions itself). A view the user has touched since it was
  // drawn (a form filled in, a plan opened) is not redrawn under their hands: a button offers it.
  let refreshing: ReturnType<typeof setTimeout> | undefined;
  let touched = false;
  let refreshQuietly = async (): Promise<void> => undefined;
  for (const type of ['input', 'click', 'keydown']) body.addEventListener(type, () => (touched = true), { capture: true });
  const offer = h('button', { type: 'button', class: 'link', 'data-live-refresh': '', hidden: true }, 'Something changed: refresh this view');
  offer.addEventListener('click', () => void show(current));
  replaceChildren(app(), emergency.element, nav, offer, busy, body);
  live?.close();
  live = startLive(config.graphqlUrl, {
    onEvent: (event) => {
      emergency.onEvent(event);
      if (causedBy(event, address)) return;
      clearTimeout(refreshing);
      refreshing = setTimeout(() => void refreshQuietly(), 200);
    },
    // The same as any call refused for an ended session: the page stays, drafts kept, and offers to sign in again.
    onSessionEnded: () => {
      if (signedIn) offerSignInAgain(config);
    },
  });

  let current = tabs.find((tab) => `#${tab.id}` === window.location.hash) ?? tabs[0]!;
  const ctx: AppContext = { config, wallet, contracts: contractsFor(config, wallet), me: address, live, refresh: () => show(current) };
  const show = async (tab: Tab) => {
    current = tab;
    history.replaceState(null, '', `#${tab.id}`);
    replaceChildren(nav, ...tabs.map((item, index) => {
      const selected = item === tab;
      const link = h('button', { type: 'button', role: 'tab', id: `tab-${item.id}`, 'aria-selected': String(selected), 'aria-controls': 'tab-body', tabindex: selected ? '0' : '-1', class: selected ? 'tab active' : 'tab', 'data-tab': item.id }, item.label);
      link.addEventListener('click', () => void show(item));
      // Arrow keys move between tabs (the WAI-ARIA tabs pattern).
      link.addEventListener('keydown', (event) => {
        const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
        if (!step) return;
        const next = tabs[(index + step + tabs.length) % tabs.length]!;
        void show(next).then(() => document.getElementById(`tab-${next.id}`)?.focus());
      });
      return link;
    }));
    body.setAttribute('aria-labelledby', `tab-${tab.id}`);
    // The old view stays visible but dimmed, with a cue, until the new one is ready.
    body.setAttribute('aria-busy', 'true');
    busy.textContent = `Loading ${tab.label}…`;
    try {
      const element = await tab.render(ctx);
      if (current === tab) {
        replaceChildren(body, element);
        touched = false;
        offer.hidden = true;
      }
    } catch (error) {
      if (current === tab) replaceChildren(body, h('p', { class: 'denied', role: 'alert' }, (error as Error).message));
    } finally {
      if (current === tab) {
        body.removeAttribute('aria-busy');
        busy.textContent = '';
      }
    }
  };
  // A redraw for a change someone else made: drawn aside, and put in place only if the user has not
  // touched the view meanwhile (else the button offers it); a failed one waits for the next event.
  refreshQuietly = async () => {
    const tab = current;
    if (touched || body.hasAttribute('aria-busy')) {
      offer.hidden = false;
      return;
    }
    const element = await tab.render(ctx).catch(() => null);
    if (!element || current !== tab || body.hasAttribute('aria-busy')) return;
    if (touched) offer.hidden = false;
    else replaceChildren(body, element);
  };
  await show(current);
}

void main();
