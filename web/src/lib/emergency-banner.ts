import { request } from './api';
import { reasonLabel } from './codes';
import { graphql } from '../gql';
import type { AccountEvent } from './live';
import { addressText } from '../widgets/address';
import { formatTime, h, short } from '../widgets/dom';
import { notice } from '../widgets/notices';

const ProviderName = graphql(`
  query ProviderName($address: Address!) {
    account(address: $address) {
      providerProfile {
        displayName
        organization
      }
    }
  }
`);

/**
 * The patient's emergency-access banner: the moment a provider opens break-glass access to her records
 * (the `myEvents` subscription tells her, and her guardians, at the block it was opened in), a banner
 * above the views says who, why and until when, with a notice; it stays until dismissed or the access
 * is closed.
 */
export function emergencyBanner(me: string): { element: HTMLElement; onEvent(event: AccountEvent): void } {
  const element = h('div', { class: 'emergency-banners', 'aria-live': 'assertive' });
  const shown = new Map<string, HTMLElement>();
  return {
    element,
    onEvent(event) {
      if (event.subject !== 'EMERGENCY_ACCESS') return;
      if (event.kind === 'EMERGENCY_ACCESS_CLOSED') {
        shown.get(event.subjectId)?.remove();
        shown.delete(event.subjectId);
        return;
      }
      if (event.kind !== 'EMERGENCY_ACCESS_OPENED' || shown.has(event.subjectId)) return;
      const provider = event.counterparty ?? '';
      // A guardian is told of emergency access to a ward's records too.
      const whose = event.patient === me ? 'your records' : `the records of your ward ${short(event.patient)}`;
      const who = h('strong', {}, addressText(provider, 'provider address'));
      const dismiss = h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss this notice' }, 'Dismiss');
      const banner = h(
        'div',
        { class: 'banner banner-emergency', role: 'alert', 'data-emergency-access': event.subjectId },
        h('strong', {}, `Emergency access to ${whose} was opened. `),
        who,
        ` opened it (reason: ${reasonLabel(event.purpose ?? '')}); it ends by itself at ${formatTime(event.expiresAt as string | null)}. It is logged on-chain at block ${event.block}; you can close it under "Emergency access". `,
        dismiss,
      );
      dismiss.addEventListener('click', () => banner.remove());
      shown.set(event.subjectId, banner);
      element.prepend(banner);
      notice('info', `Emergency access to ${whose} was opened (reason: ${reasonLabel(event.purpose ?? '')}).`, event.transactionHash ?? undefined);
      // The provider's name, when the directory has one.
      request(ProviderName, { address: provider })
        .then(({ account }) => {
          const profile = account.providerProfile;
          if (profile) who.replaceChildren(`${profile.displayName} (${profile.organization})`);
        })
        .catch(() => undefined);
    },
  };
}
