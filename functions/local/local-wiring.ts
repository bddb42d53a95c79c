/**
 * How local mode (`npm start`) builds each component, the counterpart of the AWS wiring in functions/handlers/:
 * the embedded DynamoDB, the local key vault and platform key, the node runtimes (anvil, and Besu when a `besu`
 * binary is on the PATH), the reconciler, the health monitor, the SLA reporter, billing, the usage meter, the
 * background workers that stand in for AWS's schedules, and the three apps the server routes to (API, gateway,
 * Stripe webhooks). local-runtime.ts serves them.
 *
 * Everything started here registers how to stop it in `stoppers`, newest first, so a start that fails halfway
 * stops what it had started.
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { getConnInfo } from '@hono/node-server/conninfo';
import { HttpNodeProbe } from '../../shared/adapters/http/http-node-probe.ts';
import { findBesuOnPath } from '../../shared/adapters/local/besu-node-launcher.ts';
import { BesuNodeProvider } from '../../shared/adapters/local/besu-node-provider.ts';
import { type EmbeddedDynamoConnection, startEmbeddedDynamo } from '../../shared/adapters/local/dynalite-server.ts';
import { LocalKeyVault } from '../../shared/adapters/local/local-key-vault.ts';
import { LocalMatchFingerprinter } from '../../shared/adapters/local/local-match-fingerprinter.ts';
import { LocalNodeProvider } from '../../shared/adapters/local/local-node-provider.ts';
import { LocalSecretBox } from '../../shared/adapters/local/local-secret-box.ts';
import { NoBilling } from '../../shared/adapters/local/no-billing.ts';
import { SelfHostedNodeProvider } from '../../shared/adapters/self-hosted/self-hosted-node-provider.ts';
import { StripeBilling } from '../../shared/adapters/stripe/stripe-billing.ts';
import { VaultKeySigner } from '../../shared/chain/vault-key-signer.ts';
import type { Config } from '../../shared/config/config.ts';
import { PersonalDataScanner } from '../../shared/data-protection/personal-data-scanner.ts';
import type { Network } from '../../shared/domain/network.ts';
import { UsageRepository } from '../../shared/metering/usage.repository.ts';
import { UsageMeter } from '../../shared/metering/usage-meter.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import { ControlPlaneMetrics } from '../../shared/observability/metrics.ts';
import type { KeyVault } from '../../shared/ports/key-vault.ts';
import { ensureTable } from '../../shared/store/create-table.ts';
import { HealthRepository } from '../../shared/store/health.repository.ts';
import { RecentItems } from '../../shared/store/recent-items.ts';
import { createStores } from '../../shared/store/stores.ts';
import { Table } from '../../shared/store/table.ts';
import { GLOBAL_INDEXES } from '../../shared/store/table-schema.ts';
import { createApp } from '../api/app.ts';
import type { AppDeps } from '../api/app-deps.ts';
import { ensureOperator, type OperatorBootstrap } from '../api/operator-bootstrap.ts';
import { createStripeWebhookApp } from '../api/stripe-webhook-app.ts';
import { createGateway, createGatewayCore, type GatewayCore } from '../gateway/create-gateway.ts';
import { gatewayDeps } from '../gateway/gateway-wiring.ts';
import { UPSTREAM_TIMEOUT_MS } from '../gateway/rpc-transport.ts';
import { RpcUpstream } from '../gateway/upstream.ts';
import { HealthMonitor } from '../jobs/health-monitor.ts';
import { NodeReconciler } from '../jobs/node-reconciler.ts';
import { SlaReporter } from '../jobs/sla-reports.ts';
import type { BillingReadiness, BillingReadinessReport } from '../services/billing/billing-readiness.ts';
import { wireBilling } from '../services/billing/billing-wiring.ts';
import { NetworkFleet } from '../services/fleet/network-fleet.ts';
import { governanceJobDeps } from '../services/governance/governance-deps.ts';
import { ensureDefaultNetwork, ensurePlatformKey } from '../services/platform/platform-bootstrap.ts';
import { slaTermsFromPlans } from '../services/sla/sla-report.service.ts';
import { checkBillingAtStart } from './billing-check.ts';
import { startEventsWorker } from './events-worker.ts';
import { startExpirySweeper } from './expiry-sweeper.ts';
import { type FleetWorker, localFleetJobs, startFleetWorker } from './fleet-worker.ts';
import { type GovernanceWorker, startGovernanceWorker } from './governance-worker.ts';
import { startHealthWorker } from './health-worker.ts';
import { localGenesisValidators } from './local-genesis-validators.ts';
import { localTenancy } from './local-tenancy.ts';
import { startMeteringWorker } from './metering-worker.ts';
import { startNodeWorker } from './node-worker.ts';

export type Stopper = () => Promise<void> | void;
type Stores = ReturnType<typeof createStores>;
/** An app as the server calls it; `env` is the Node server's (the API reads the client's address from it). */
type ServedApp = { readonly fetch: (request: Request, env?: unknown) => Response | Promise<Response> };

/** What local mode runs, built and started. */
export interface LocalParts {
  readonly table: Table;
  readonly operator: OperatorBootstrap;
  readonly deps: AppDeps;
  readonly defaultNetwork: Network;
  /** The `besu` found on the PATH, whose runtime networks created from now on get. */
  readonly besu: { readonly path: string; readonly provider: BesuNodeProvider } | undefined;
  readonly nodeProvider: LocalNodeProvider;
  readonly reconciler: NodeReconciler;
  readonly nodeWorker: ReturnType<typeof startNodeWorker>;
  readonly usage: UsageMeter;
  readonly governance: GovernanceWorker;
  /** Network health, stall recovery, rolling upgrades and backups, on their schedule. */
  readonly fleet: { readonly operations: NetworkFleet; readonly worker: FleetWorker };
  /** Records events, follows chain logs and delivers webhooks; `runNow` runs a pass at once. */
  readonly events: ReturnType<typeof startEventsWorker>;
  readonly billingReadiness: BillingReadiness;
  readonly billingAtStart: BillingReadinessReport | undefined;
  /** The gateway's shared core, which the WebSocket server on the same port uses too. */
  readonly gatewayCore: GatewayCore;
  /** What the server routes to: `/rpc/*` to the gateway, `/webhooks/stripe` to the webhooks, the rest to the API. */
  readonly apps: { readonly api: ServedApp; readonly gateway: ServedApp; readonly webhooks: ServedApp };
}

export async function wireLocal(config: Config, logger: Logger, stoppers: Stopper[]): Promise<LocalParts> {
  const dataDir = resolve(config.dataDir);
  const clock = () => new Date();
  const { table, database } = await openLocalTable(config, dataDir, logger, stoppers, clock);
  const stores = createStores(table, clock);
  const operator = await ensureOperator(stores, {
    email: config.operatorEmail,
    password: config.operatorPassword,
    now: clock(),
  });
  const vault = new LocalKeyVault(dataDir, { now: clock });
  const platformKey = await ensurePlatformKey(vault, stores.platform, clock());
  const tenancy = localTenancy({
    database,
    tableName: config.tableName,
    vault,
    memberships: stores.organisations,
    recent: table.recent,
    clock,
  });

  const nodeProvider = await LocalNodeProvider.open({ dataDir });
  stoppers.unshift(() => nodeProvider.close());
  // With a `besu` binary on PATH, a network created now gets genesis validators the platform runs as Besu
  // processes, and its managed nodes are Besu processes too (real QBFT). Networks created before keep anvil.
  const besuPath = findBesuOnPath(process.env);
  const besu = besuPath
    ? await BesuNodeProvider.open({ dataDir, besuPath, stopTimeoutMs: config.besuStopTimeoutMs })
    : undefined;
  if (besu) stoppers.unshift(() => besu.close());
  const genesisValidators = localGenesisValidators({
    besu,
    validatorCount: config.besuGenesisValidators,
    platformAddress: platformKey.address,
    networks: stores.networks,
    logger,
  });
  const { network: defaultNetwork } = await ensureDefaultNetwork(
    stores.networks,
    { validators: genesisValidators.create, discard: genesisValidators.discard },
    clock(),
  );
  for (const network of await stores.networks.list()) {
    if (network.status === 'active') await genesisValidators.start(network);
  }

  const nodeProbe = localNodeProbe(stoppers);
  const runtimes = { anvil: nodeProvider, ...(besu && { besu }) };
  const reconciler = new NodeReconciler({
    nodes: stores.nodes,
    networks: stores.networks,
    audit: stores.audit,
    providers: {
      ...runtimes,
      external: new SelfHostedNodeProvider(async (id) => (await stores.networks.get(id))?.chainId, nodeProbe),
    },
    logger: logger.child({ component: 'reconciler' }),
    clock,
  });
  const nodeWorker = startNodeWorker(reconciler, logger);
  stoppers.unshift(() => nodeWorker.stop());

  const healthStore = new HealthRepository(table);
  const slaReports = slaReporter({ stores, health: healthStore, vault, keyRef: platformKey.keyRef, clock, logger });
  const healthWorker = startHealthWorker(
    new HealthMonitor({
      nodes: stores.nodes,
      networks: stores.networks,
      audit: stores.audit,
      health: healthStore,
      providers: runtimes,
      probe: nodeProbe,
      logger: logger.child({ component: 'health-monitor' }),
      clock,
    }),
    { logger, slaReports, intervalMs: config.healthIntervalMs },
  );
  stoppers.unshift(() => healthWorker.stop());

  const fleet = new NetworkFleet({
    stores,
    providers: runtimes,
    ...(besu && { platformValidators: besu.platformValidators() }),
  });
  const fleetWorker = startFleetWorker(
    localFleetJobs({ stores, fleet, dataDir, clock, logger, stallRestartDelayMs: config.stallRestartDelayMs }),
    { logger, intervalMs: config.fleetIntervalMs },
  );
  stoppers.unshift(() => fleetWorker.stop());

  const usageRecords = new UsageRepository(table, clock);
  const usage = new UsageMeter({ store: usageRecords, clock, logger: logger.child({ component: 'usage-meter' }) });
  usage.start();
  stoppers.unshift(async () => {
    await usage.stop();
  });
  const billing = wireBilling({
    provider: billingProvider(config, clock),
    stores,
    clock,
    logger,
    nodeChanged: nodeWorker.nodeChanged,
  });
  // Billing on with a Stripe account that lacks the catalogue would fail at the first checkout: say so now.
  const { readiness: billingReadiness, atStart: billingAtStart } = await checkBillingAtStart(
    config.stripe,
    clock,
    logger,
  );
  const metering = startMeteringWorker({
    nodes: stores.nodes,
    usage,
    usageRecords,
    billing: billing.deps,
    clock,
    logger,
  });
  stoppers.unshift(() => metering.stop());

  const webhookSecrets = new LocalSecretBox(vault.derivedKey('webhook-signing-secrets'));
  const events = startEventsWorker({
    stores,
    secrets: webhookSecrets,
    clock,
    logger,
    intervalMs: config.eventsIntervalMs,
  });
  stoppers.unshift(() => events.stop());

  const metrics = new ControlPlaneMetrics({
    sources: { fleet: () => stores.nodes.listFleet(), unflushedUsage: () => usage.unflushed() },
  });
  const deps: AppDeps = {
    config,
    metrics,
    clientAddress: (c) => getConnInfo(c).remote.address,
    stores,
    logger,
    clock,
    managedRuntime: besu ? 'besu' : 'anvil',
    managedRuntimeOf: (network) => (besu?.hostsChainOf(network.id) ? 'besu' : 'anvil'),
    genesisValidators,
    vault,
    tenancy,
    usage,
    usageRecords,
    billing: billing.deps,
    billingReadiness,
    health: { health: healthStore, slaReports, platformAddress: async () => platformKey.address },
    admission: billing.admission,
    signingKeyAdmission: billing.signingKeyAdmission,
    dataProtection: {
      inspector: new PersonalDataScanner(),
      fingerprinter: new LocalMatchFingerprinter(vault.vaultDir),
      reportSigner: new VaultKeySigner(vault, platformKey.keyRef),
    },
    nodeChanged: nodeWorker.nodeChanged,
    fleet,
    webhookDelivery: { secrets: webhookSecrets, sender: events.sender },
    docsAssetsDir: swaggerAssetsDir(),
    version: process.env.npm_package_version,
  };
  const governance = startGovernanceWorker(
    governanceJobDeps(
      { ...deps, ...(besu && { platformValidators: (id: string) => besu.genesisValidatorEndpoints(id) }) },
      stores.governance,
    ),
  );
  stoppers.unshift(() => governance.stop());
  const sweeper = startExpirySweeper(table, logger, clock);
  stoppers.unshift(() => sweeper.stop());

  // Closed after the servers that use it have stopped (they register their stoppers later, so they run first).
  const upstream = new RpcUpstream({ timeoutMs: UPSTREAM_TIMEOUT_MS });
  stoppers.unshift(() => upstream.close());
  const gatewayWiring = {
    ...gatewayDeps({
      apiKeys: stores.apiKeys,
      nodes: stores.nodes,
      streamTickets: stores.streamTickets,
      meter: usage,
      logger,
      clock,
      upstream,
      planOf: billing.limits.gatewayPlanOf,
      suspensionOf: billing.limits.suspensionOf,
      dataProtection: { repository: stores.dataProtection, audit: stores.audit, ...deps.dataProtection },
    }),
    metrics,
  };
  // HTTP and WebSocket share one core: admission, token buckets, the dispatcher's caches, metering.
  const gatewayCore = createGatewayCore(gatewayWiring);
  const gateway = createGateway(gatewayWiring, gatewayCore);
  const webhooks = createStripeWebhookApp({
    billing: billing.deps,
    webhookSecret: config.stripe.webhookSecret,
    logger,
  });
  return {
    table,
    operator,
    deps,
    defaultNetwork,
    besu: besu && besuPath ? { path: besuPath, provider: besu } : undefined,
    nodeProvider,
    reconciler,
    nodeWorker,
    usage,
    governance,
    fleet: { operations: fleet, worker: fleetWorker },
    events,
    billingReadiness,
    billingAtStart,
    apps: { api: createApp(deps), gateway, webhooks },
    gatewayCore,
  };
}

/** The embedded DynamoDB under the data dir, with the table; indexes are repaired after an unclean stop. */
async function openLocalTable(
  config: Config,
  dataDir: string,
  logger: Logger,
  stoppers: Stopper[],
  clock: () => Date,
): Promise<{ table: Table; database: EmbeddedDynamoConnection }> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const dynamo = await startEmbeddedDynamo({
    path: join(dataDir, 'dynamodb'),
    region: config.awsRegion,
    indexes: { table: config.tableName, wanted: GLOBAL_INDEXES },
  });
  stoppers.unshift(() => dynamo.close());
  if (dynamo.addedIndexes.length > 0) {
    logger.info('the database was made by an older release; indexes added and filled from its items', {
      indexes: dynamo.addedIndexes,
    });
  } else if (dynamo.repaired) {
    logger.warn('the database was not closed cleanly last time; its indexes were checked against its items', {
      ...dynamo.repaired,
    });
  }
  await ensureTable(dynamo.client, config.tableName);
  const recent = new RecentItems({ staleMs: config.recentReadsMs });
  return { table: new Table(dynamo.client, config.tableName, clock, { recent }), database: dynamo.connection };
}

/**
 * Locally members' test nodes run on this machine, so their URLs may name private addresses; they are still
 * untrusted (deadlines, bounded answers, no redirects).
 */
function localNodeProbe(stoppers: Stopper[]): HttpNodeProbe {
  const probe = new HttpNodeProbe({ memberPrivateAddresses: true });
  stoppers.unshift(() => probe.close());
  return probe;
}

/** Stripe when STRIPE_SECRET_KEY is set; otherwise billing is off and plans activate at once. */
function billingProvider(config: Config, clock: () => Date) {
  const { secretKey, host, port, protocol } = config.stripe;
  return secretKey ? new StripeBilling({ secretKey, host, port, protocol, clock }) : new NoBilling();
}

/** Monthly SLA reports signed with the platform key from the local vault; plans come from the billing account. */
export function slaReporter(parts: {
  readonly stores: Pick<Stores, 'nodes' | 'organisations' | 'billing' | 'networkHealth'>;
  readonly health: HealthRepository;
  readonly vault: KeyVault;
  readonly keyRef: string;
  readonly clock: () => Date;
  readonly logger: Logger;
}): SlaReporter {
  const { stores, clock, logger } = parts;
  return new SlaReporter({
    nodes: stores.nodes,
    organisations: stores.organisations,
    health: parts.health,
    networkHealth: stores.networkHealth,
    signer: new VaultKeySigner(parts.vault, parts.keyRef),
    clock,
    logger: logger.child({ component: 'sla' }),
    slaTermsOf: slaTermsFromPlans(async (orgId) => (await stores.billing.get(orgId))?.planId),
  });
}

function swaggerAssetsDir(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  } catch {
    return undefined;
  }
}
