/**
 * Admission of new nodes by billing: the organisation needs an account in good standing whose plan allows the
 * node's hosting and role. Fits `AppDeps.admission`; refusals are 402 so the console can offer a plan.
 */
import { isInGoodStanding } from '../../../shared/domain/billing-state.ts';
import type { NodeHosting, NodeRole } from '../../../shared/domain/node.ts';
import { getPlan, type PlanId } from '../../../shared/domain/plans.ts';
import { PaymentRequiredError } from '../../../shared/errors.ts';
import type { BillingRepository } from '../../../shared/store/billing.repository.ts';

export interface BillingAdmissionOptions {
  readonly accounts: BillingRepository;
  /**
   * Plan assumed for an organisation that has not chosen one (e.g. local mode with billing off, so a new user gets
   * a node at once). Without it, choosing a plan comes first.
   */
  readonly defaultPlanId?: PlanId;
}

export function createBillingAdmission(options: BillingAdmissionOptions) {
  return async (orgId: string, hosting: NodeHosting, role: NodeRole = 'member'): Promise<void> => {
    const account = await options.accounts.get(orgId);
    const planId = account?.planId ?? options.defaultPlanId;
    if (!planId) throw new PaymentRequiredError('Choose a plan before adding nodes');
    if (account && !isInGoodStanding(account.state)) {
      throw new PaymentRequiredError(`Billing is ${account.state.replace('_', ' ')}: settle it before adding nodes`);
    }
    const plan = getPlan(planId);
    if (!plan.allowedHostings.includes(hosting)) {
      throw new PaymentRequiredError(`The ${plan.name} plan does not include ${hosting} nodes`);
    }
    if (!plan.allowedNodeRoles.includes(role)) {
      throw new PaymentRequiredError(`The ${plan.name} plan does not include ${role} nodes`);
    }
  };
}
