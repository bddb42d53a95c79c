/**
 * What the member organisations' consent routes (consents.routes.ts) and the patients' routes (patient.routes.ts)
 * share: the dependencies they read, the services one app builds once for both (checks keep their cache across
 * requests, loaded at their first request), and the errors their operations document.
 */
import { lazyOnce } from '../../../shared/lazy-once.ts';
import type { ConsentApi } from '../../services/consent/consent-api.ts';
import type { RouteDeps } from '../app-deps.ts';
import { errorResponses } from '../route-helpers.ts';

export type ConsentRouteDeps = RouteDeps<
  'clock' | 'logger' | 'vault' | 'tenancy' | 'usage' | 'config' | 'dataProtection',
  | 'networks'
  | 'nodes'
  | 'organisations'
  | 'signingKeys'
  | 'apiKeys'
  | 'audit'
  | 'platform'
  | 'governance'
  | 'governanceVotes'
  | 'siweNonces'
  | 'dataProtection'
>;

export const consentErrors = {
  ...errorResponses,
  502: { description: 'The network’s node failed' },
  503: { description: 'No node of the network runs now, or a transaction is not mined yet' },
} as const;

/**
 * The consent work one app shares between its routes (checks keep their cache across requests), loaded at the
 * first request that needs it: its module reaches the consent ledger's code and the relays, which a cold start
 * does not read.
 */
export function lazyConsentApi(deps: ConsentRouteDeps): ConsentApiLoader {
  return lazyOnce(async () => new (await import('../../services/consent/consent-api.ts')).ConsentApi(deps));
}
export type ConsentApiLoader = () => Promise<ConsentApi>;
