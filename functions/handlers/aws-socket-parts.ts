/**
 * The parts every WebSocket function of the AWS gateway is built from, given its transport to the nodes and,
 * where transactions can be sent, the personal-data guard: the gateway core over the table's keys, tickets, nodes
 * and plans, a second core that admits connections again from their records, the connection records, the usage
 * meter, and pushes to connections through API Gateway's management API. No HTTP client and no inspector are
 * imported here, so the follower's bundle carries neither.
 */
import { ApiGatewayConnectionPush } from '../../shared/adapters/aws/api-gateway-connection-push.ts';
import { UsageRepository } from '../../shared/metering/usage.repository.ts';
import { UsageMeter } from '../../shared/metering/usage-meter.ts';
import { ApiKeysRepository } from '../../shared/store/api-keys.repository.ts';
import { BillingRepository } from '../../shared/store/billing.repository.ts';
import { NodesRepository } from '../../shared/store/nodes.repository.ts';
import { SocketConnectionsRepository } from '../../shared/store/socket-connections.repository.ts';
import { StreamTicketsRepository } from '../../shared/store/stream-tickets.repository.ts';
import { createGatewayCore } from '../gateway/create-gateway.ts';
import { type GatewayWiring, gatewayDeps, storedCredentialDeps } from '../gateway/gateway-wiring.ts';
import { planLimits } from '../services/billing/plan-limits.ts';
import { type AwsCore, socketManagementClient } from './aws-core.ts';

export function socketParts(
  core: AwsCore,
  managementEndpoint: string,
  transport: Pick<GatewayWiring, 'upstream' | 'dataProtection'>,
) {
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
    ...transport,
  };
  return {
    meter,
    core: createGatewayCore(gatewayDeps(wiring)),
    storedCore: createGatewayCore(storedCredentialDeps(wiring)),
    connections: new SocketConnectionsRepository(table, clock),
    push: new ApiGatewayConnectionPush(socketManagementClient(core, managementEndpoint)),
  };
}
