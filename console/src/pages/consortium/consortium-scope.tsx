/**
 * Who the Consortium pages act for and where they link: an organisation's administrators sign with the
 * organisation's own member keys (pages under /orgs/:orgId/consortium/:networkId), CareChain operators act for
 * the platform, the founding member (pages under /ops/networks/:networkId/consortium). The pages themselves are
 * the same; this scope is the only difference.
 */
import { createContext, useContext } from 'react';

export type Acting =
  | {
      readonly kind: 'organisation';
      readonly orgId: string;
      readonly orgName: string;
      /** Developers and above may sign; viewers read. */
      readonly canSign: boolean;
    }
  | { readonly kind: 'platform' };

export interface ConsortiumScope {
  readonly networkId: string;
  /** Links inside the section start here: `${base}/proposals/3`, `${base}/transactions/0x…`. */
  readonly base: string;
  readonly acting: Acting;
}

export const ConsortiumContext = createContext<ConsortiumScope | undefined>(undefined);

export function useConsortium(): ConsortiumScope {
  const scope = useContext(ConsortiumContext);
  if (!scope) throw new Error('useConsortium is for pages under a consortium route');
  return scope;
}

/** How often open pages read the consortium again: votes and decisions from other members show within seconds. */
export const LIVE_POLL_MS = 3000;
