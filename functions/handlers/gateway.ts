/**
 * Lambda entry for the JSON-RPC gateway: its own function, so tenants' RPC traffic never shares cold starts or
 * concurrency with the console API. Usage counted during an invocation is flushed before it returns.
 *
 * Plan limits and suspension come from the billing records, as in the local server. The gateway does not read
 * the Stripe keys, so an organisation without a plan gets the gateway's default limits (what billing on decides).
 * Its wiring is here rather than in aws-deps.ts so its bundle carries no Stripe; of KMS it uses only the evidence
 * key (GenerateMac), for personal data it refuses or flags.
 */
import type { handle } from 'hono/aws-lambda';
import { UsageRepository } from '../../shared/metering/usage.repository.ts';
import { UsageMeter } from '../../shared/metering/usage-meter.ts';
import { ApiKeysRepository } from '../../shared/store/api-keys.repository.ts';
import { AuditRepository } from '../../shared/store/audit.repository.ts';
import { BillingRepository } from '../../shared/store/billing.repository.ts';
import { DataProtectionRepository } from '../../shared/store/data-protection.repository.ts';
import { NodesRepository } from '../../shared/store/nodes.repository.ts';
import { createGateway } from '../gateway/create-gateway.ts';
import { gatewayDeps } from '../gateway/gateway-wiring.ts';
import { UPSTREAM_TIMEOUT_MS } from '../gateway/rpc-transport.ts';
import { RpcUpstream } from '../gateway/upstream.ts';
import { planLimits } from '../services/billing/plan-limits.ts';
import { settledAppHandler } from './aws-app-handler.ts';
import { type AwsCore, type AwsWiringOptions, awsCore } from './aws-core.ts';
import { evidenceFingerprinter, personalDataInspector } from './aws-evidence.ts';

type GatewayHandler = ReturnType<typeof handle>;

/** The gateway app and the meter its handler flushes. */
export function awsGateway(core: AwsCore) {
  const { table, clock, logger } = core;
  const meter = new UsageMeter({ store: new UsageRepository(table, clock), clock, logger });
  const limits = planLimits(new BillingRepository(table), undefined);
  const app = createGateway(
    gatewayDeps({
      apiKeys: new ApiKeysRepository(table),
      nodes: new NodesRepository(table, clock),
      meter,
      logger,
      clock,
      upstream: new RpcUpstream({ timeoutMs: UPSTREAM_TIMEOUT_MS }),
      planOf: limits.gatewayPlanOf,
      suspensionOf: limits.suspensionOf,
      dataProtection: {
        repository: new DataProtectionRepository(table),
        audit: new AuditRepository(table),
        inspector: personalDataInspector(),
        fingerprinter: evidenceFingerprinter(core),
      },
    }),
  );
  return { app, meter };
}

export function createGatewayHandler(options: AwsWiringOptions = {}): GatewayHandler {
  return settledAppHandler(
    async () => {
      const { app, meter } = awsGateway(awsCore('gateway', options));
      return { app, settle: () => meter.flush() };
    },
    ({ app }) => app,
  );
}

export const handler = createGatewayHandler();
