/**
 * Scheduled Lambda (daily): yesterday's uptime rollups, every organisation's month-to-date SLA report, and the
 * previous month's final report, signed with the platform's KMS key. Plans come from the billing account.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsKeyVault } from '../../shared/adapters/aws/kms-key-vault.ts';
import { VaultSigner } from '../../shared/chain/vault-signer.ts';
import { loadConfig } from '../../shared/config/config.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { BillingRepository } from '../../shared/store/billing.repository.ts';
import { HealthRepository } from '../../shared/store/health.repository.ts';
import { createStores } from '../../shared/store/stores.ts';
import { Table } from '../../shared/store/table.ts';
import { SlaReporter } from '../jobs/sla-reports.ts';
import { slaTermsFromPlans } from '../services/sla/sla-report.service.ts';

const config = loadConfig();
const clock = () => new Date();
const logger = createLogger({ level: config.logLevel, base: { mode: 'aws', function: 'sla' } });
const table = new Table(new DynamoDBClient({ region: config.awsRegion }), config.tableName, clock);
const stores = createStores(table, clock);
const billing = new BillingRepository(table);
const vault = new KmsKeyVault(new KMSClient({ region: config.awsRegion }));

let reporter: SlaReporter | undefined;

async function slaReporter(): Promise<SlaReporter> {
  if (reporter) return reporter;
  // The stack names the platform key; an installation bootstrapped by the control plane records it in the table.
  const keyRef = process.env.CARECHAIN_PLATFORM_KEY_ID ?? (await stores.platform.getSigningKey())?.keyRef;
  if (!keyRef) throw new Error('No platform signing key: set CARECHAIN_PLATFORM_KEY_ID');
  reporter = new SlaReporter({
    nodes: stores.nodes,
    organisations: stores.organisations,
    health: new HealthRepository(table),
    signer: new VaultSigner(vault, keyRef),
    clock,
    logger,
    slaTermsOf: slaTermsFromPlans(async (orgId) => (await billing.get(orgId))?.planId),
  });
  return reporter;
}

export const handler = async () => {
  const result = await (await slaReporter()).runDaily();
  logger.info('SLA run finished', result);
  return result;
};
