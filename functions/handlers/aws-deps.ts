/**
 * Wiring for AWS mode, the counterpart of the local runtime's: the same app dependencies (stores, billing,
 * vault, usage meter, nodeChanged) built from AWS services. Built once per container by the first invocation
 * and reused by the following ones.
 *
 * The configuration is completed before anything is built from it: the Stripe keys come from Secrets Manager
 * (STRIPE_SECRET_ARN), so billing is Stripe exactly when the secret holds keys, as locally with STRIPE_SECRET_KEY.
 * nodeChanged sends to the provisioning queue when the function has one (CARECHAIN_PROVISIONING_QUEUE_URL);
 * without it the reconciler's scheduled pass picks changes up.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { getConnInfo } from 'hono/aws-lambda';
import { KmsKeyVault } from '../../shared/adapters/aws/kms-key-vault.ts';
import { NoBilling } from '../../shared/adapters/local/no-billing.ts';
import { StripeBilling } from '../../shared/adapters/stripe/stripe-billing.ts';
import { VaultSigner } from '../../shared/chain/vault-signer.ts';
import type { Config } from '../../shared/config/config.ts';
import { UsageRepository } from '../../shared/metering/usage.repository.ts';
import { UsageMeter } from '../../shared/metering/usage-meter.ts';
import { HealthRepository } from '../../shared/store/health.repository.ts';
import { createStores } from '../../shared/store/stores.ts';
import type { AppDeps } from '../api/app-deps.ts';
import { SlaReporter } from '../jobs/sla-reports.ts';
import { wireBilling } from '../services/billing/billing-wiring.ts';
import { Ec2GenesisValidators } from '../services/networks/genesis-validator-nodes.ts';
import { slaTermsFromPlans } from '../services/sla/sla-report.service.ts';
import { type AwsCore, type AwsWiringOptions, awsCore } from './aws-core.ts';
import { fleetNodeKeys } from './fleet-node-keys.ts';
import { NodeQueue } from './node-queue.ts';
import { withStripeSecrets } from './stripe-secrets.ts';

export interface AwsDeps extends AppDeps, Omit<AwsCore, 'config'> {
  readonly stores: ReturnType<typeof createStores>;
  /** Complete: Stripe keys from Secrets Manager included. */
  readonly config: Config;
  readonly usage: UsageMeter;
  /** Plan limits for the gateway and key routes, as wired with billing. */
  readonly billingLimits: ReturnType<typeof wireBilling>['limits'];
  /** Present when the function may send to the provisioning queue. */
  readonly nodeQueue: NodeQueue | undefined;
  /** Writes what an invocation left in memory (usage counts, queued node work); await it before returning. */
  settle(): Promise<void>;
}

export async function awsDeps(functionName: string, options: AwsWiringOptions = {}): Promise<AwsDeps> {
  const core = awsCore(functionName, options);
  const { clock, logger, clients } = core;
  const stores = createStores(core.table, clock);
  const region = core.config.awsRegion;
  const config = core.config.aws.stripeSecretArn
    ? await withStripeSecrets(core.config, clients.secretsManager ?? new SecretsManagerClient({ region }))
    : core.config;

  const queueUrl = config.aws.provisioningQueueUrl;
  const nodeQueue = queueUrl
    ? new NodeQueue(clients.sqs ?? new SQSClient({ region }), queueUrl, logger.child({ component: 'node-queue' }))
    : undefined;
  const usageRecords = new UsageRepository(core.table, clock);
  const usage = new UsageMeter({ store: usageRecords, clock, logger: logger.child({ component: 'usage-meter' }) });
  const billing = wireBilling({
    provider: billingProvider(config, clock),
    stores,
    clock,
    logger,
    nodeChanged: nodeQueue?.nodeChanged,
  });

  const vault = new KmsKeyVault(clients.kms ?? new KMSClient({ region }));
  // Node health and signed SLA reports need the platform key the stack created.
  const platformKeyId = config.aws.platformKeyId;
  const healthStore = new HealthRepository(core.table);
  const health = platformKeyId
    ? {
        health: healthStore,
        slaReports: new SlaReporter({
          nodes: stores.nodes,
          organisations: stores.organisations,
          health: healthStore,
          signer: new VaultSigner(vault, platformKeyId),
          clock,
          logger: logger.child({ component: 'sla' }),
          slaTermsOf: slaTermsFromPlans(async (orgId) => (await stores.billing.get(orgId))?.planId),
        }),
        platformAddress: async () => (await vault.getPublicKey(platformKeyId)).address,
      }
    : undefined;

  // Where the fleet's node keys can be made here (the API's grant), networks created without validators get
  // genesis validators the platform runs on EC2.
  const nodeKeys = fleetNodeKeys(config, clients.secretsManager);
  const genesisValidators = nodeKeys
    ? new Ec2GenesisValidators({
        nodeKeys,
        nodes: stores.nodes,
        count: config.besuGenesisValidators,
        size: config.genesisValidatorSize,
        region,
        clock,
        logger: logger.child({ component: 'genesis-validators' }),
        nodeChanged: nodeQueue?.nodeChanged,
      })
    : undefined;

  return {
    ...core,
    config,
    health,
    ...(genesisValidators && { genesisValidators }),
    stores,
    billing: billing.deps,
    billingLimits: billing.limits,
    admission: billing.admission,
    signingKeyAdmission: billing.signingKeyAdmission,
    usage,
    usageRecords,
    managedRuntime: 'ec2',
    // API Gateway's view of the caller (requestContext.http.sourceIp), not a header the caller could set.
    clientAddress: (c) => getConnInfo(c).remote.address,
    vault,
    nodeQueue,
    nodeChanged: nodeQueue?.nodeChanged,
    version: config.version,
    async settle() {
      await Promise.all([usage.flush(), nodeQueue?.drain()]);
    },
  };
}

/** Stripe when a secret key is configured; otherwise billing is off. */
export function billingProvider(config: Config, clock: () => Date) {
  const { secretKey, host, port, protocol } = config.stripe;
  return secretKey ? new StripeBilling({ secretKey, host, port, protocol, clock }) : new NoBilling();
}
