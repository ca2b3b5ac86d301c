import './styles.css';
import { graphql } from './gql';
import { request, useGraphqlUrl } from './lib/api';
import type { AppContext } from './lib/app-context';
import { loadConfig, type ClientConfig } from './lib/config';
import { contractsFor } from './lib/contracts';
import { h, replaceChildren, short } from './lib/dom';
import { notice, showError } from './lib/notices';
import { signIn, signOut } from './lib/session';
import { connectWallet, onWalletChange, type Wallet } from './lib/wallet';
import { renderPatientView } from './views/patient-view';
import { renderProviderView } from './views/provider-view';
import { renderResearcherView } from './views/researcher-view';

const Whoami = graphql(`
  query Whoami {
    me {
      address
      sessionExpiresAt
    }
  }
`);

const MyRoles = graphql(`
  query MyRoles($me: String!) {
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

const WardName = graphql(`
  query WardName($patient: String!) {
    patient(address: $patient) {
      profile {
        displayName
      }
    }
  }
`);

/** A ward's name from their profile (guardians may read it), or the short address. */
async function wardLabel(address: string): Promise<string> {
  try {
    const { patient } = await request(WardName, { patient: address });
    return patient.profile?.displayName ?? short(address);
  } catch {
    return short(address);
  }
}

interface Tab {
  id: string;
  label: string;
  render(ctx: AppContext): Promise<HTMLElement>;
}

const app = () => document.getElementById('app')!;
const accountArea = () => document.getElementById('account')!;

async function main(): Promise<void> {
  let config: ClientConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    replaceChildren(app(), h('p', { class: 'denied', role: 'alert' }, (error as Error).message));
    return;
  }
  useGraphqlUrl(config.graphqlUrl);
  onWalletChange(() => {
    notice('info', 'The wallet switched account or chain: sign in again.');
    void signOut(config).then(() => showSignedOut(config));
  });
  if (!(await resumeSession(config))) showSignedOut(config);
}

/**
 * After a reload: when the API still holds a session and the wallet already shares that account
 * (`eth_accounts` never prompts), continue without signing again.
 */
async function resumeSession(config: ClientConfig): Promise<boolean> {
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

function showSignedOut(config: ClientConfig): void {
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

async function showSignedIn(config: ClientConfig, wallet: Wallet): Promise<void> {
  const { me } = await request(Whoami);
  if (!me) throw new Error('The API did not keep the session (cookies blocked?). Allow cookies for this site and sign in again.');
  const address = me.address.toLowerCase();
  const { myRoles, patient } = await request(MyRoles, { me: address });

  const tabs: Tab[] = [];
  if (myRoles.verifiedProvider) tabs.push({ id: 'provider', label: 'Provider', render: (ctx) => renderProviderView(ctx) });
  if (myRoles.verifiedResearcher) tabs.push({ id: 'research', label: 'Research', render: (ctx) => renderResearcherView(ctx) });
  tabs.push({ id: 'patient', label: 'My records', render: (ctx) => renderPatientView(ctx, address, false) });
  const wards = patient.wards.nodes.filter((link) => link.active);
  const wardLabels = await Promise.all(wards.map((ward) => wardLabel(ward.patient)));
  wards.forEach((ward, index) => {
    tabs.push({ id: `ward-${ward.patient}`, label: `Guardian of ${wardLabels[index]}`, render: (ctx) => renderPatientView(ctx, ward.patient.toLowerCase(), true) });
  });

  const signOutButton = h('button', { type: 'button', class: 'link' }, 'Sign out');
  signOutButton.addEventListener('click', async () => {
    await signOut(config);
    showSignedOut(config);
  });
  const roleNames = [myRoles.verifiedProvider && 'provider', myRoles.verifiedResearcher && 'researcher', patient.wards.nodes.some((w) => w.active) && 'guardian', 'patient'].filter(Boolean);
  replaceChildren(accountArea(), h('span', { class: 'address', 'data-signed-in': address, title: address }, short(address)), h('span', { class: 'roles' }, roleNames.join(' · ')), signOutButton);

  const nav = h('nav', { class: 'tabs' });
  const body = h('div', { class: 'tab-body' });
  replaceChildren(app(), nav, body);

  let current = tabs.find((tab) => `#${tab.id}` === window.location.hash) ?? tabs[0]!;
  const ctx: AppContext = { config, wallet, contracts: contractsFor(config, wallet), me: address, refresh: () => show(current) };
  const show = async (tab: Tab) => {
    current = tab;
    history.replaceState(null, '', `#${tab.id}`);
    replaceChildren(nav, ...tabs.map((item) => {
      const link = h('button', { type: 'button', class: item === tab ? 'tab active' : 'tab', 'data-tab': item.id }, item.label);
      link.addEventListener('click', () => void show(item));
      return link;
    }));
    body.setAttribute('aria-busy', 'true');
    try {
      const element = await tab.render(ctx);
      if (current === tab) replaceChildren(body, element);
    } catch (error) {
      replaceChildren(body, h('p', { class: 'denied', role: 'alert' }, (error as Error).message));
    } finally {
      body.removeAttribute('aria-busy');
    }
  };
  await show(current);
}

void main();
