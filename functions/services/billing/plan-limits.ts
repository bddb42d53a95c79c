/**
 * The limits an organisation's plan sets, read where they apply: the gateway (rate, batch size, WebSocket connections and subscriptions), signing keys
 * (how many), and node admission. An organisation without a chosen plan gets the installation's default plan
 * (local mode with billing off: everything works at once) or none (choose a plan first).
 */
import {
  DEFAULT_GATEWAY_PLAN,
  type GatewayPlan,
  getPlan,
  type Plan,
  type PlanId,
} from '../../../shared/domain/plans.ts';
import { PaymentRequiredError } from '../../../shared/errors.ts';
import type { BillingRepository } from '../../../shared/store/billing.repository.ts';
import type { SigningKeysRepository } from '../../../shared/store/signing-keys.repository.ts';

export function planLimits(accounts: BillingRepository, defaultPlanId: PlanId | undefined) {
  const planOf = async (orgId: string): Promise<Plan | undefined> => {
    const account = await accounts.get(orgId);
    const planId = account?.planId ?? defaultPlanId;
    return planId ? getPlan(planId) : undefined;
  };

  return {
    planOf,
    /** A message for a suspended or canceled organisation, which may not use managed services. */
    async suspensionOf(orgId: string): Promise<string | undefined> {
      const account = await accounts.get(orgId);
      if (account?.state === 'suspended') {
        return 'Service is suspended for unpaid invoices; pay in the billing portal and your nodes start again';
      }
      if (account?.state === 'canceled') return 'The subscription has ended; choose a plan to use managed nodes again';
      return undefined;
    },
    async gatewayPlanOf(orgId: string): Promise<GatewayPlan> {
      const plan = await planOf(orgId);
      if (!plan) return DEFAULT_GATEWAY_PLAN;
      return {
        id: plan.id,
        requestsPerSecond: plan.rateLimit.requestsPerSecond,
        burst: plan.rateLimit.burst,
        maxBatchSize: plan.maxBatchSize,
        webSocket: plan.webSocket,
      };
    },
    signingKeyAdmission(signingKeys: SigningKeysRepository) {
      return async (orgId: string) => {
        const plan = await planOf(orgId);
        if (!plan) throw new PaymentRequiredError('Choose a plan before creating signing keys');
        const keys = await signingKeys.list(orgId);
        const live = keys.filter((key) => key.state !== 'pending-deletion').length;
        if (live >= plan.maxSigningKeys) {
          throw new PaymentRequiredError(
            `The ${plan.name} plan allows ${plan.maxSigningKeys} signing key(s); schedule one for deletion or change plan`,
          );
        }
      };
    },
  };
}
