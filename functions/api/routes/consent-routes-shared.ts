/**
 * What the member organisations' consent routes (consents.routes.ts) and the patients' routes (patient.routes.ts)
 * share: the dependencies they read, the services one app builds once for both (checks keep their cache across
 * requests), and the errors their operations document.
 */
import { ConsentChecks, ReadProviders } from '../../services/consent/consent-checks.ts';
import type { ConsentDeps } from '../../services/consent/consent-deps.ts';
import { ConsentRelay } from '../../services/consent/consent-relay.ts';
import { MemberNameCache } from '../../services/consent/consent-views.ts';
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

/** The consent services one app shares between its routes: checks keep their cache across requests. */
export function consentServices(deps: ConsentDeps) {
  const checks = new ConsentChecks({ stores: deps.stores, providers: new ReadProviders() });
  return {
    deps,
    checks,
    relay: new ConsentRelay(deps, checks),
    names: new MemberNameCache(deps.stores),
  };
}
export type ConsentServices = ReturnType<typeof consentServices>;
