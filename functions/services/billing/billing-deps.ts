/**
 * What the billing services and jobs need, passed in (docs/architecture.md, "Layers and the rules between them"):
 * the payment provider (Stripe or off), the billing repository, a clock, a logger, and the callbacks through which
 * billing acts on an organisation's managed nodes. Node control is not billing's: the callbacks belong to whoever runs nodes, and must be idempotent
 * (stopping stopped nodes, starting running ones, does nothing), because a crash can make billing call them again.
 */
import type { Logger } from '../../../shared/observability/logger.ts';
import type { BillingProvider } from '../../../shared/ports/billing-provider.ts';
import type { BillingRepository } from '../../../shared/store/billing.repository.ts';

export interface BillingDeps {
  readonly billing: BillingProvider;
  readonly accounts: BillingRepository;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Stop the organisation's managed nodes (delete nothing): the account was suspended. */
  readonly onSuspended: (orgId: string) => Promise<void>;
  /** Start the organisation's managed nodes again: a suspended account paid. */
  readonly onReactivated: (orgId: string) => Promise<void>;
  /** The subscription ended. @default onSuspended: nodes stop and nothing is deleted; deleting stays the owner's call */
  readonly onCanceled?: (orgId: string) => Promise<void>;
}

/** Attempts at a read-decide-write cycle on one account before giving up with a 409 the caller may retry. */
export const MAX_WRITE_ATTEMPTS = 5;
