/**
 * Lambda entry for the JSON-RPC gateway: its own function, so tenants' RPC traffic never shares cold starts or
 * concurrency with the console API. Usage counted during an invocation is flushed before it returns.
 *
 * Plan limits and suspension come from the billing records, as in the local server. The gateway does not read
 * the Stripe keys, so an organisation without a plan gets the gateway's default limits (what billing on decides).
 */
import { handle } from 'hono/aws-lambda';
import { UsageRepository } from '../../shared/metering/usage.repository.ts';
import { UsageMeter } from '../../shared/metering/usage-meter.ts';
import { ApiKeysRepository } from '../../shared/store/api-keys.repository.ts';
import { BillingRepository } from '../../shared/store/billing.repository.ts';
import { NodesRepository } from '../../shared/store/nodes.repository.ts';
import { createGateway } from '../gateway/create-gateway.ts';
import { gatewayDeps } from '../gateway/gateway-wiring.ts';
import { planLimits } from '../services/billing/plan-limits.ts';
import { awsCore } from './aws-core.ts';

const { clock, logger, table } = awsCore('gateway');
const meter = new UsageMeter({ store: new UsageRepository(table, clock), clock, logger });
const limits = planLimits(new BillingRepository(table), undefined);
const gateway = createGateway(
  gatewayDeps({
    apiKeys: new ApiKeysRepository(table),
    nodes: new NodesRepository(table, clock),
    meter,
    logger,
    clock,
    planOf: limits.gatewayPlanOf,
    suspensionOf: limits.suspensionOf,
  }),
);
const handleRequest = handle(gateway);

export const handler: typeof handleRequest = async (event, context) => {
  try {
    return await handleRequest(event, context);
  } finally {
    await meter.flush();
  }
};
