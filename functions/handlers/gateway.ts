/**
 * Lambda entry for the JSON-RPC gateway: its own function, so tenants' RPC traffic never shares cold starts or
 * concurrency with the console API. Usage counted during an invocation is flushed before it returns.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { handle } from 'hono/aws-lambda';
import { loadConfig } from '../../shared/config/config.ts';
import { UsageRepository } from '../../shared/metering/usage.repository.ts';
import { UsageMeter } from '../../shared/metering/usage-meter.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { ApiKeysRepository } from '../../shared/store/api-keys.repository.ts';
import { BillingRepository } from '../../shared/store/billing.repository.ts';
import { NodesRepository } from '../../shared/store/nodes.repository.ts';
import { Table } from '../../shared/store/table.ts';
import { createGateway } from '../gateway/create-gateway.ts';
import { gatewayDeps } from '../gateway/gateway-wiring.ts';
import { planLimits } from '../jobs/billing/plan-limits.ts';

const config = loadConfig();
const clock = () => new Date();
const logger = createLogger({ level: config.logLevel, base: { mode: 'aws', function: 'gateway' } });
const table = new Table(new DynamoDBClient({ region: config.awsRegion }), config.tableName, clock);
const meter = new UsageMeter({ store: new UsageRepository(table, clock), clock, logger });
const gateway = createGateway(
  gatewayDeps({
    apiKeys: new ApiKeysRepository(table),
    nodes: new NodesRepository(table, clock),
    meter,
    logger,
    clock,
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
