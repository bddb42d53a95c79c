/**
 * Local mode: embedded DynamoDB persisted under the data dir, the same app as in Lambda, and the in-process
 * background work that AWS runs on schedules. `startLocalRuntime` is what `npm start` runs and what the
 * end-to-end tests start; `stop()` shuts everything down cleanly.
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { HttpNodeProbe } from '../../shared/adapters/http/http-node-probe.ts';
import { BesuNodeProvider, findBesuOnPath } from '../../shared/adapters/local/besu-node-provider.ts';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../shared/adapters/local/dynalite-server.ts';
import { LocalKeyVault } from '../../shared/adapters/local/local-key-vault.ts';
import { LocalNodeProvider } from '../../shared/adapters/local/local-node-provider.ts';
import { NoBilling } from '../../shared/adapters/local/no-billing.ts';
import { SelfHostedNodeProvider } from '../../shared/adapters/self-hosted/self-hosted-node-provider.ts';
import { StripeBilling } from '../../shared/adapters/stripe/stripe-billing.ts';
import { VaultSigner } from '../../shared/chain/vault-signer.ts';
import type { Config } from '../../shared/config/config.ts';
import type { Network } from '../../shared/domain/network.ts';
import { UsageRepository } from '../../shared/metering/usage.repository.ts';
import { UsageMeter } from '../../shared/metering/usage-meter.ts';
import { createLogger, type Logger } from '../../shared/observability/logger.ts';
import { ControlPlaneMetrics } from '../../shared/observability/metrics.ts';
import { ensureTable } from '../../shared/store/create-table.ts';
import { HealthRepository } from '../../shared/store/health.repository.ts';
import type { NetworksRepository } from '../../shared/store/networks.repository.ts';
import { createStores } from '../../shared/store/stores.ts';
import { ConditionFailedError, Table } from '../../shared/store/table.ts';
import { createApp } from '../api/app.ts';
import type { AppDeps } from '../api/app-deps.ts';
import { ensureOperator, type OperatorBootstrap } from '../api/operator-bootstrap.ts';
import { createStripeWebhookApp } from '../api/stripe-webhook-app.ts';
import { createGateway } from '../gateway/create-gateway.ts';
import { gatewayDeps } from '../gateway/gateway-wiring.ts';
import { HealthMonitor } from '../jobs/health-monitor.ts';
import { NodeReconciler } from '../jobs/node-reconciler.ts';
import { SlaReporter } from '../jobs/sla-reports.ts';
import { wireBilling } from '../services/billing/billing-wiring.ts';
import { governanceJobDeps } from '../services/governance/governance-deps.ts';
import { ensureDefaultNetwork, ensurePlatformKey } from '../services/platform/platform-bootstrap.ts';
import { slaTermsFromPlans } from '../services/sla/sla-report.service.ts';
import { withConsole } from './console-static.ts';
import { startExpirySweeper } from './expiry-sweeper.ts';
import { type GovernanceWorker, startGovernanceWorker } from './governance-worker.ts';
import { startHealthWorker } from './health-worker.ts';
import { startMeteringWorker } from './metering-worker.ts';
import { startNodeWorker } from './node-worker.ts';
import { settleUnreadBody } from './unread-body.ts';

export interface LocalRuntime {
  readonly url: string;
  readonly port: number;
  readonly operator: OperatorBootstrap;
  readonly deps: AppDeps;
  readonly table: Table;
  readonly defaultNetworkId: string;
  /** What new managed nodes of the default network run on, in words for the start-up banner. */
  readonly nodeRuntime: string;
  readonly nodeProvider: LocalNodeProvider;
  readonly reconciler: NodeReconciler;
  readonly usage: UsageMeter;
  readonly governance: GovernanceWorker;
  /** Waits until the background node work under way has finished. */
  idle(): Promise<void>;
  /** Stops everything it started, chain processes included, even when a part fails to stop (then it rejects). */
  stop(): Promise<void>;
}

/**
 * Genesis validators in local mode. On the Besu runtime: node keys made for the new network and Besu processes
 * the platform runs with them (a network whose keys are held elsewhere is left alone). On anvil the chain process
 * seals every block, and the platform key stands in the genesis as its validator.
 */
function localGenesisValidators(options: {
  besu: BesuNodeProvider | undefined;
  validatorCount: number;
  platformAddress: string;
  networks: NetworksRepository;
  logger: Logger;
}): NonNullable<AppDeps['genesisValidators']> {
  const { besu, validatorCount, platformAddress, networks, logger } = options;
  if (!besu) {
    return { create: async () => [platformAddress], start: async () => {}, discard: async () => {} };
  }
  return {
    create: (networkId) => besu.prepareGenesisValidators(networkId, validatorCount),
    discard: (networkId) => besu.discardGenesisValidators(networkId),
    start: async (network) => {
      try {
        const hosted = await besu.hostNetwork(network);
        logger.info(hosted ? 'network chain runs on local Besu' : 'network chain runs on anvil', {
          networkId: network.id,
        });
        // The genesis validators are where anyone joins: the join bundles and the network view list them.
        if (hosted) await recordBootnodes(networks, network.id, await besu.genesisValidatorEnodes(network.id));
      } catch (error) {
        logger.warn('network chain did not start on local Besu', {
          networkId: network.id,
          error: (error as Error).message,
        });
      }
    },
  };
}

async function recordBootnodes(networks: NetworksRepository, networkId: string, enodes: string[]): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const network = await networks.get(networkId);
    if (!network || enodes.length === 0) return;
    if (network.bootnodes.length === enodes.length && network.bootnodes.every((e, i) => e === enodes[i])) return;
    try {
      await networks.update(network, { bootnodes: enodes });
      return;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
}

function swaggerAssetsDir(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  } catch {
    return undefined;
  }
}

export async function startLocalRuntime(config: Config, logger: Logger = createLogger({ level: config.logLevel })) {
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const dynamo: EmbeddedDynamo = await startEmbeddedDynamo({
    path: join(dataDir, 'dynamodb'),
    region: config.awsRegion,
  });
  if (dynamo.repaired) {
    logger.warn('the database was not closed cleanly last time; its indexes were checked against its items', {
      ...dynamo.repaired,
    });
  }
  const stoppers: Array<() => Promise<void> | void> = [() => dynamo.close()];
  try {
    await ensureTable(dynamo.client, config.tableName);
    const clock = () => new Date();
    const table = new Table(dynamo.client, config.tableName, clock);
    const stores = createStores(table, clock);
    const operator = await ensureOperator(stores, {
      email: config.operatorEmail,
      password: config.operatorPassword,
      now: clock(),
    });
    const vault = new LocalKeyVault(dataDir, { now: clock });
    const platformKey = await ensurePlatformKey(vault, stores.platform, clock());

    const nodeProvider = await LocalNodeProvider.open({ dataDir });
    stoppers.unshift(() => nodeProvider.close());
    // With a `besu` binary on PATH, a network created now gets genesis validators the platform runs as Besu
    // processes, and its managed nodes are Besu processes too (real QBFT). Networks created before keep anvil.
    const besuPath = findBesuOnPath(process.env);
    const besu = besuPath ? await BesuNodeProvider.open({ dataDir, besuPath }) : undefined;
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
    const managedRuntime: AppDeps['managedRuntime'] = besu ? 'besu' : 'anvil';
    const managedRuntimeOf = (network: Network): AppDeps['managedRuntime'] =>
      besu?.hostsChainOf(network.id) ? 'besu' : 'anvil';
    // Locally members' test nodes run on this machine, so their URLs may name private addresses; they are still
    // untrusted (deadlines, bounded answers, no redirects).
    const nodeProbe = new HttpNodeProbe({ memberPrivateAddresses: true });
    stoppers.unshift(() => nodeProbe.close());
    const selfHosted = new SelfHostedNodeProvider(async (id) => (await stores.networks.get(id))?.chainId, nodeProbe);
    const reconciler = new NodeReconciler({
      nodes: stores.nodes,
      networks: stores.networks,
      audit: stores.audit,
      providers: { anvil: nodeProvider, ...(besu && { besu }), external: selfHosted },
      logger: logger.child({ component: 'reconciler' }),
      clock,
    });
    const worker = startNodeWorker(reconciler, logger);
    stoppers.unshift(() => worker.stop());

    const healthStore = new HealthRepository(table);
    const slaReports = new SlaReporter({
      nodes: stores.nodes,
      organisations: stores.organisations,
      health: healthStore,
      signer: new VaultSigner(vault, platformKey.keyRef),
      clock,
      logger: logger.child({ component: 'sla' }),
      slaTermsOf: slaTermsFromPlans(async (orgId) => (await stores.billing.get(orgId))?.planId),
    });
    const healthWorker = startHealthWorker(
      new HealthMonitor({
        nodes: stores.nodes,
        networks: stores.networks,
        audit: stores.audit,
        health: healthStore,
        providers: { anvil: nodeProvider, ...(besu && { besu }) },
        probe: nodeProbe,
        logger: logger.child({ component: 'health-monitor' }),
        clock,
      }),
      { logger, slaReports, intervalMs: config.healthIntervalMs },
    );
    stoppers.unshift(() => healthWorker.stop());

    const usageRecords = new UsageRepository(table, clock);
    const usage = new UsageMeter({ store: usageRecords, clock, logger: logger.child({ component: 'usage-meter' }) });
    usage.start();
    stoppers.unshift(async () => {
      await usage.stop();
    });

    const { secretKey, host: stripeHost, port: stripePort, protocol } = config.stripe;
    const billing = wireBilling({
      provider: secretKey
        ? new StripeBilling({ secretKey, host: stripeHost, port: stripePort, protocol, clock })
        : new NoBilling(),
      stores,
      clock,
      logger,
      nodeChanged: worker.nodeChanged,
    });
    const metering = startMeteringWorker({
      nodes: stores.nodes,
      usage,
      usageRecords,
      billing: billing.deps,
      clock,
      logger,
    });
    stoppers.unshift(() => metering.stop());

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
      managedRuntime,
      managedRuntimeOf,
      genesisValidators,
      vault,
      usage,
      usageRecords,
      billing: billing.deps,
      health: { health: healthStore, slaReports, platformAddress: async () => platformKey.address },
      admission: billing.admission,
      signingKeyAdmission: billing.signingKeyAdmission,
      nodeChanged: worker.nodeChanged,
      docsAssetsDir: swaggerAssetsDir(),
      version: process.env.npm_package_version,
    };
    const app = createApp(deps);
    const governanceWorker = startGovernanceWorker(
      governanceJobDeps(
        { ...deps, ...(besu && { platformValidators: (id: string) => besu.genesisValidatorEndpoints(id) }) },
        stores.governance,
      ),
    );
    stoppers.unshift(() => governanceWorker.stop());
    // As in AWS, where they are separate functions: /rpc/* goes to the gateway, everything else to the API.
    const gateway = createGateway({
      ...gatewayDeps({
        apiKeys: stores.apiKeys,
        nodes: stores.nodes,
        meter: usage,
        logger,
        clock,
        planOf: billing.limits.gatewayPlanOf,
        suspensionOf: billing.limits.suspensionOf,
      }),
      metrics,
    });
    const webhooks = createStripeWebhookApp({
      billing: billing.deps,
      webhookSecret: config.stripe.webhookSecret,
      logger,
    });
    let draining = false;
    // `env` is the Node server's (incoming and outgoing messages): the API reads the client's socket address from it.
    const route = (request: Request, env: unknown) => {
      const path = new URL(request.url).pathname;
      if (path.startsWith('/rpc/')) return gateway.fetch(request);
      if (path === '/webhooks/stripe') return webhooks.fetch(request);
      return app.fetch(request, env);
    };
    const fetch = async (request: Request, env: unknown) => {
      const response = await route(request, env);
      // An answer given before its body was read (a 413) has the rest discarded, or closes its connection when
      // that rest is too large to discard (see unread-body.ts). While stopping, every answer closes its
      // connection, so no client sends another request on a socket that is about to go: each request is either
      // answered in full or never received.
      if (settleUnreadBody(env) === 'keep-alive' && !draining) return response;
      const closing = new Response(response.body, response);
      closing.headers.set('connection', 'close');
      return closing;
    };
    const sweeper = startExpirySweeper(table, logger, clock);
    stoppers.unshift(() => sweeper.stop());

    const server = await new Promise<ReturnType<typeof serve>>((resolveServer, reject) => {
      const s = serve({ fetch: withConsole(fetch), port: config.port, hostname: config.host }, () => resolveServer(s));
      s.once('error', reject);
    });
    stoppers.unshift(
      () =>
        new Promise<void>((done) => {
          // Requests under way finish and are answered (what was metered was served); idle keep-alive
          // connections close now, busy ones after their answer; anything still open after the grace period
          // is cut.
          draining = true;
          server.close(() => done());
          if ('closeIdleConnections' in server) server.closeIdleConnections();
          setTimeout(() => {
            if ('closeAllConnections' in server) server.closeAllConnections();
          }, 30_000).unref();
        }),
    );
    const { port } = server.address() as AddressInfo;
    const host = config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host;
    const url = config.publicUrl ?? `http://${host}:${port}`;
    return {
      url,
      port,
      operator,
      deps,
      table,
      defaultNetworkId: defaultNetwork.id,
      nodeRuntime: besu?.hostsChainOf(defaultNetwork.id)
        ? `Besu (${besuPath}); ${defaultNetwork.name} sealed by ${defaultNetwork.validators.length} genesis validator(s)`
        : besu
          ? `anvil for ${defaultNetwork.name} (created before Besu was found); Besu (${besuPath}) for networks created now`
          : 'anvil (one chain process per network; put besu on the PATH for real QBFT)',
      nodeProvider,
      reconciler,
      usage,
      governance: governanceWorker,
      idle: () => worker.idle(),
      stop: () => stopAll(stoppers),
    } satisfies LocalRuntime;
  } catch (error) {
    await stopAll(stoppers).catch((stopFailure: unknown) =>
      logger.error('parts of the local runtime did not stop after the failed start', { error: stopFailure }),
    );
    throw error;
  }
}

/**
 * Runs every stopper in order, whatever fails: one part that cannot stop (a flush to the database, say) must not
 * leave the later ones running, the chain processes above all, which would outlive the control plane.
 */
async function stopAll(stoppers: ReadonlyArray<() => Promise<void> | void>): Promise<void> {
  const failures: unknown[] = [];
  for (const stop of stoppers) {
    try {
      await stop();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) {
    const reasons = failures.map((failure) => (failure instanceof Error ? failure.message : String(failure)));
    throw new AggregateError(failures, `parts of the local runtime did not stop cleanly: ${reasons.join('; ')}`);
  }
}
