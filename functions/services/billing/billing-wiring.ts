/**
 * Puts billing together for an installation from a provider (Stripe or off), the store and the node callbacks:
 * the services' dependencies, node admission by plan, and the plan limits the gateway and key routes apply.
 * With billing off every organisation has the default plan until it chooses one, so a new user gets a node at once.
 */
import type { NodeRecord } from '../../../shared/domain/node.ts';
import type { PlanId } from '../../../shared/domain/plans.ts';
import type { Logger } from '../../../shared/observability/logger.ts';
import type { BillingProvider } from '../../../shared/ports/billing-provider.ts';
import type { BillingRepository } from '../../../shared/store/billing.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import type { SigningKeysRepository } from '../../../shared/store/signing-keys.repository.ts';
import { createBillingAdmission } from './billing-admission.ts';
import type { BillingDeps } from './billing-deps.ts';
import { billingNodeControl } from './billing-node-control.ts';
import { planLimits } from './plan-limits.ts';

/** The plan an organisation has before choosing one, when billing is off. */
export const PLAN_WHEN_BILLING_IS_OFF: PlanId = 'managed-validator';

export function wireBilling(input: {
  readonly provider: BillingProvider;
  readonly stores: { billing: BillingRepository; nodes: NodesRepository; signingKeys: SigningKeysRepository };
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly nodeChanged?: (node: NodeRecord) => void;
}) {
  const control = billingNodeControl(input.stores.nodes, input.nodeChanged);
  const deps: BillingDeps = {
    billing: input.provider,
    accounts: input.stores.billing,
    clock: input.clock,
    logger: input.logger.child({ component: 'billing' }),
    onSuspended: control.onSuspended,
    onReactivated: control.onReactivated,
  };
  const defaultPlanId = input.provider.enabled ? undefined : PLAN_WHEN_BILLING_IS_OFF;
  const limits = planLimits(input.stores.billing, defaultPlanId);
  return {
    deps,
    limits,
    admission: createBillingAdmission({ accounts: input.stores.billing, defaultPlanId }),
    signingKeyAdmission: limits.signingKeyAdmission(input.stores.signingKeys),
  };
}
