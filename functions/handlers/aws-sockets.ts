/**
 * What the AWS gateway's WebSocket functions are built from (gateway-sockets.ts for API Gateway's routes,
 * socket-follower.ts for the scheduled follower): the gateway core over the table's keys, tickets, nodes and plans,
 * a second core that admits connections from their records, the connection records, the usage meter, and pushes
 * to connections through API Gateway's management API. Like the HTTP gateway's wiring (gateway.ts), it carries no
 * Stripe: an organisation without a plan gets the gateway's default limits.
 */
import { ApiGatewayConnectionPush } from '../../shared/adapters/aws/api-gateway-connection-push.ts';
import { UsageRepository } from '../../shared/metering/usage.repository.ts';
import { UsageMeter } from '../../shared/metering/usage-meter.ts';
import { ApiKeysRepository } from '../../shared/store/api-keys.repository.ts';
import { AuditRepository } from '../../shared/store/audit.repository.ts';
import { BillingRepository } from '../../shared/store/billing.repository.ts';
import { DataProtectionRepository } from '../../shared/store/data-protection.repository.ts';
import { NodesRepository } from '../../shared/store/nodes.repository.ts';
import { SocketConnectionsRepository } from '../../shared/store/socket-connections.repository.ts';
import { StreamTicketsRepository } from '../../shared/store/stream-tickets.repository.ts';
import { createGatewayCore } from '../gateway/create-gateway.ts';
import { type GatewayWiring, gatewayDeps, storedCredentialDeps } from '../gateway/gateway-wiring.ts';
import { RpcUpstream } from '../gateway/upstream.ts';
import { planLimits } from '../services/billing/plan-limits.ts';
import { type AwsCore, socketManagementClient } from './aws-core.ts';
import { evidenceFingerprinter, personalDataInspector } from './aws-evidence.ts';

const UPSTREAM_TIMEOUT_MS = 10_000;

export function awsSocketParts(core: AwsCore, managementEndpoint: string) {
  const { table, clock, logger } = core;
  const meter = new UsageMeter({ store: new UsageRepository(table, clock), clock, logger });
  const limits = planLimits(new BillingRepository(table), undefined);
  const wiring: GatewayWiring = {
    apiKeys: new ApiKeysRepository(table),
    nodes: new NodesRepository(table, clock),
    streamTickets: new StreamTicketsRepository(table),
    meter,
    logger,
    clock,
    planOf: limits.gatewayPlanOf,
    suspensionOf: limits.suspensionOf,
    upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
    dataProtection: {
      repository: new DataProtectionRepository(table),
      audit: new AuditRepository(table),
      inspector: personalDataInspector(),
      fingerprinter: evidenceFingerprinter(core),
    },
  };
  const upstream = new RpcUpstream({ timeoutMs: UPSTREAM_TIMEOUT_MS });
  return {
    meter,
    core: createGatewayCore({ ...gatewayDeps(wiring), upstream }),
    storedCore: createGatewayCore({ ...storedCredentialDeps(wiring), upstream }),
    connections: new SocketConnectionsRepository(table, clock),
    push: new ApiGatewayConnectionPush(socketManagementClient(core, managementEndpoint)),
  };
}
