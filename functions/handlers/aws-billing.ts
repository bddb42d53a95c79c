/**
 * What the billing functions need in AWS mode (metering, Stripe's webhooks), and the base the API's dependencies
 * (aws-deps.ts) are built on: the core with the Stripe keys from Secrets Manager (STRIPE_SECRET_ARN), the stores,
 * the usage meter, billing wired to Stripe exactly when the secret holds keys (as locally with STRIPE_SECRET_KEY) or
 * to none, and the provisioning queue. Kept apart from aws-deps.ts so that these functions' bundles carry neither
 * the personal-data inspector, KMS, EC2 nor the webhook sender.
 */
import { withStripeSecrets } from '../../shared/adapters/aws/secrets-manager-stripe-keys.ts';
import { SqsNodeQueue } from '../../shared/adapters/aws/sqs-node-queue.ts';
import { NoBilling } from '../../shared/adapters/local/no-billing.ts';
import { StripeBilling } from '../../shared/adapters/stripe/stripe-billing.ts';
import type { Config } from '../../shared/config/config.ts';
import { UsageRepository } from '../../shared/metering/usage.repository.ts';
import { UsageMeter } from '../../shared/metering/usage-meter.ts';
import { createStores } from '../../shared/store/stores.ts';
import { wireBilling } from '../services/billing/billing-wiring.ts';
import { type AwsCore, type AwsWiringOptions, awsCore, secretsManagerClient, sqsClient } from './aws-core.ts';

export interface AwsBillingDeps extends Omit<AwsCore, 'config'> {
  /** Complete: Stripe keys from Secrets Manager included. */
  readonly config: Config;
  readonly stores: ReturnType<typeof createStores>;
  readonly usage: UsageMeter;
  readonly usageRecords: UsageRepository;
  /** Billing as wired: its dependencies, plan limits and admissions. */
  readonly billingWiring: ReturnType<typeof wireBilling>;
  /** Present when the function may send to the provisioning queue. */
  readonly nodeQueue: SqsNodeQueue | undefined;
  /** Writes what an invocation left in memory (usage counts, queued node work); await it before returning. */
  settle(): Promise<void>;
}

export async function awsBillingDeps(functionName: string, options: AwsWiringOptions = {}): Promise<AwsBillingDeps> {
  const loaded = awsCore(functionName, options);
  const core: AwsCore = loaded.config.aws.stripeSecretArn
    ? { ...loaded, config: await withStripeSecrets(loaded.config, secretsManagerClient(loaded)) }
    : loaded;
  const { config, clock, logger, table } = core;
  const stores = createStores(table, clock);
  const nodeQueue = provisioningQueue(core);
  const usageRecords = new UsageRepository(table, clock);
  const usage = new UsageMeter({ store: usageRecords, clock, logger: logger.child({ component: 'usage-meter' }) });
  const billingWiring = wireBilling({
    provider: billingProvider(config, clock),
    stores,
    clock,
    logger,
    nodeChanged: nodeQueue?.nodeChanged,
  });
  return {
    ...core,
    config,
    stores,
    usage,
    usageRecords,
    billingWiring,
    nodeQueue,
    async settle() {
      await Promise.all([usage.flush(), nodeQueue?.drain()]);
    },
  };
}

/** Stripe when a secret key is configured (from Secrets Manager, see above); otherwise billing is off. */
export function billingProvider(config: Config, clock: () => Date) {
  const { secretKey, host, port, protocol } = config.stripe;
  return secretKey ? new StripeBilling({ secretKey, host, port, protocol, clock }) : new NoBilling();
}

/** The provisioning queue, when the function may send to it; without it the reconciler's scheduled pass acts. */
export function provisioningQueue(core: AwsCore): SqsNodeQueue | undefined {
  const queueUrl = core.config.aws.provisioningQueueUrl;
  if (!queueUrl) return undefined;
  return new SqsNodeQueue(() => sqsClient(core), queueUrl, core.logger.child({ component: 'node-queue' }));
}
