/**
 * The API's dependencies in AWS mode, the counterpart of local-wiring.ts: the same stores, billing, vault, usage
 * meter and nodeChanged, built from AWS services (the fleet's and the platform key's components come from
 * aws-fleet.ts and aws-platform-key.ts), on the base billing needs (aws-billing.ts: the configuration with the
 * Stripe keys, stores, usage meter, billing, provisioning queue). Built once per container by the first invocation
 * of a function that serves the app, and reused after.
 *
 * nodeChanged sends to the provisioning queue when the function has one (CARECHAIN_PROVISIONING_QUEUE_URL);
 * without it the reconciler's scheduled pass picks changes up. The API may not reboot instances: an operator's
 * restart of EC2 nodes (stall recovery) is queued there too and carried out by the reconciler.
 */
import type { Env, Hono } from 'hono';
import { getConnInfo, type handle } from 'hono/aws-lambda';
import { StripeBillingCatalogue } from '../../shared/adapters/stripe/stripe-billing-catalogue.ts';
import { VaultKeySigner } from '../../shared/chain/vault-key-signer.ts';
import type { Config } from '../../shared/config/config.ts';
import { HealthRepository } from '../../shared/store/health.repository.ts';
import type { AppDeps } from '../api/app-deps.ts';
import { BillingReadiness } from '../services/billing/billing-readiness.ts';
import { NetworkFleet } from '../services/fleet/network-fleet.ts';
import { settledAppHandler } from './aws-app-handler.ts';
import { type AwsBillingDeps, awsBillingDeps } from './aws-billing.ts';
import type { AwsCore, AwsWiringOptions } from './aws-core.ts';
import { evidenceFingerprinter, personalDataInspector } from './aws-evidence.ts';
import { ec2GenesisValidators } from './aws-node-keys.ts';
import { kmsKeyVault, slaReporter } from './aws-platform-key.ts';
import { awsTenancy } from './aws-tenancy.ts';
import { awsWebhookDelivery } from './aws-webhooks.ts';

export interface AwsDeps extends AppDeps, Omit<AwsBillingDeps, 'billingWiring' | 'config' | 'usage' | 'stores'> {
  readonly stores: AwsBillingDeps['stores'];
  /** Complete: Stripe keys from Secrets Manager included. */
  readonly config: Config;
  readonly usage: AwsBillingDeps['usage'];
  /** Plan limits for the gateway and key routes, as wired with billing. */
  readonly billingLimits: AwsBillingDeps['billingWiring']['limits'];
}

export async function awsDeps(functionName: string, options: AwsWiringOptions = {}): Promise<AwsDeps> {
  const { billingWiring: billing, ...base } = await awsBillingDeps(functionName, options);
  const core: AwsCore = base;
  const { config, clock, logger, table, stores, nodeQueue } = base;
  const vault = kmsKeyVault(core);
  // Node health and signed SLA reports need the platform key the stack created.
  const platformKeyId = config.aws.platformKeyId;
  const healthStore = new HealthRepository(table);
  const health = platformKeyId
    ? {
        health: healthStore,
        slaReports: slaReporter(core, { vault, keyRef: platformKeyId, health: healthStore }),
        platformAddress: async () => (await vault.getPublicKey(platformKeyId)).address,
      }
    : undefined;
  const genesisValidators = ec2GenesisValidators(core, { nodes: stores.nodes, nodeChanged: nodeQueue?.nodeChanged });
  // Restarts of EC2 nodes go through the provisioning queue to the reconciler, which has the rights to reboot.
  const fleet = nodeQueue
    ? new NetworkFleet({
        stores,
        providers: { ec2: { restart: (node) => nodeQueue.requestRestart(node, clock()) } },
      })
    : undefined;
  const webhooks = awsWebhookDelivery(core);

  return {
    ...base,
    health,
    ...(genesisValidators && { genesisValidators }),
    stores,
    billing: billing.deps,
    billingReadiness: billingReadiness(config, clock, logger),
    billingLimits: billing.limits,
    admission: billing.admission,
    signingKeyAdmission: billing.signingKeyAdmission,
    managedRuntime: 'ec2',
    // API Gateway's view of the caller (requestContext.http.sourceIp), not a header the caller could set.
    clientAddress: (c) => getConnInfo(c).remote.address,
    vault,
    tenancy: awsTenancy(core, stores.organisations),
    dataProtection: {
      inspector: personalDataInspector(),
      fingerprinter: evidenceFingerprinter(core),
      reportSigner: platformKeyId ? new VaultKeySigner(vault, platformKeyId) : undefined,
    },
    ...(webhooks && { webhookDelivery: { secrets: webhooks.secrets, sender: webhooks.sender } }),
    // Live tickets name the WebSocket API, whose URLs carry the node in the query string (no path of their own).
    ...(config.aws.gatewaySocketUrl && { gatewaySocketUrl: socketUrlFor(config.aws.gatewaySocketUrl) }),
    nodeChanged: nodeQueue?.nodeChanged,
    ...(fleet && { fleet }),
    version: config.version,
  };
}

/** A Lambda serving a Hono app built from the API's dependencies (see `settledAppHandler`). */
export function appHandler<E extends Env>(
  functionName: string,
  options: AwsWiringOptions,
  buildApp: (deps: AwsDeps) => Hono<E>,
): ReturnType<typeof handle> {
  return settledAppHandler(() => awsDeps(functionName, options), buildApp);
}

/**
 * Whether Stripe holds the catalogue billing needs, checked when GET /health asks (not at cold start, which stays
 * quick) and kept for a while per container.
 */
function billingReadiness(config: Config, clock: () => Date, logger: AwsCore['logger']) {
  const { secretKey, host, port, protocol } = config.stripe;
  return new BillingReadiness({
    catalogue: secretKey
      ? new StripeBillingCatalogue({ secretKey, host, port, protocol, timeoutMs: 5_000, maxNetworkRetries: 1 })
      : undefined,
    fix: 'Invoke the billing-sync function (stack output BillingSyncFunctionName; README, "Switching billing on")',
    clock,
    logger: logger.child({ component: 'billing' }),
  });
}

/** A node's URL on the WebSocket API: `wss://…/live?nodeId=…`. */
export function socketUrlFor(base: string): (nodeId: string) => string {
  return (nodeId) => {
    const url = new URL(base);
    url.searchParams.set('nodeId', nodeId);
    return url.toString();
  };
}
