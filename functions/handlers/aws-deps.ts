/**
 * Wiring for AWS mode: configuration from the Lambda environment, DynamoDB with the table the stack named.
 * Built once per container (module scope) and reused across invocations.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsKeyVault } from '../../shared/adapters/aws/kms-key-vault.ts';
import { NoBilling } from '../../shared/adapters/local/no-billing.ts';
import { StripeBilling } from '../../shared/adapters/stripe/stripe-billing.ts';
import { type Config, loadConfig } from '../../shared/config/config.ts';
import { UsageRepository } from '../../shared/metering/usage.repository.ts';
import { UsageMeter } from '../../shared/metering/usage-meter.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { createStores } from '../../shared/store/stores.ts';
import { Table } from '../../shared/store/table.ts';
import type { AppDeps } from '../api/app-deps.ts';
import { wireBilling } from '../jobs/billing/billing-wiring.ts';

export function awsDeps(env: Record<string, string | undefined> = process.env): AppDeps & { usage: UsageMeter } {
  const config = loadConfig(env);
  const clock = () => new Date();
  const client = new DynamoDBClient({ region: config.awsRegion });
  const table = new Table(client, config.tableName, clock);
  const logger = createLogger({ level: config.logLevel, base: { mode: 'aws' } });
  const usageRecords = new UsageRepository(table, clock);
  const stores = createStores(table, clock);
  const billing = wireBilling({ provider: billingProvider(config, clock), stores, clock, logger });
  return {
    config,
    stores,
    billing: billing.deps,
    admission: billing.admission,
    signingKeyAdmission: billing.signingKeyAdmission,
    logger,
    usage: new UsageMeter({ store: usageRecords, clock, logger }),
    usageRecords,
    clock,
    managedRuntime: 'ec2',
    vault: new KmsKeyVault(new KMSClient({ region: config.awsRegion })),
    version: env.CARECHAIN_VERSION,
  };
}

/** Stripe when a secret key is configured; otherwise billing is off. */
export function billingProvider(config: Config, clock: () => Date) {
  const { secretKey, host, port, protocol } = config.stripe;
  return secretKey ? new StripeBilling({ secretKey, host, port, protocol, clock }) : new NoBilling();
}
