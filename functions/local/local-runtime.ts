/**
 * Local mode's server: what `npm start` runs and what the end-to-end tests start. It wires local mode
 * (local-wiring.ts: embedded DynamoDB persisted under the data dir, the local vault, the node runtimes, the
 * in-process background work that AWS runs on schedules) and serves the same apps as Lambda does, routed as API
 * Gateway routes them. `stop()` shuts everything down cleanly.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { LocalNodeProvider } from '../../shared/adapters/local/local-node-provider.ts';
import type { Config } from '../../shared/config/config.ts';
import type { UsageMeter } from '../../shared/metering/usage-meter.ts';
import { createLogger, type Logger } from '../../shared/observability/logger.ts';
import type { Table } from '../../shared/store/table.ts';
import type { AppDeps } from '../api/app-deps.ts';
import type { OperatorBootstrap } from '../api/operator-bootstrap.ts';
import type { NodeReconciler } from '../jobs/node-reconciler.ts';
import type { BillingReadiness, BillingReadinessReport } from '../services/billing/billing-readiness.ts';
import { withConsole } from './console-static.ts';
import { attachGatewaySockets, type GatewaySockets } from './gateway-sockets.ts';
import type { GovernanceWorker } from './governance-worker.ts';
import { type LocalParts, type Stopper, wireLocal } from './local-wiring.ts';
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
  /** The gateway's WebSocket connections (their per-key counts, the head follower). */
  readonly sockets: GatewaySockets;
  /** Runs a pass of the event workers now (record, follow chain logs, deliver) and waits for it. */
  readonly runEventsNow: () => Promise<unknown>;
  /** Whether billing can take payment, as checked at start (GET /health checks again as it ages). */
  readonly billingReadiness: BillingReadiness;
  /** The start-up check's result; undefined when Stripe did not answer in time. */
  readonly billingAtStart: BillingReadinessReport | undefined;
  /** Waits until the background node work under way has finished. */
  idle(): Promise<void>;
  /** Stops everything it started, chain processes included, even when a part fails to stop (then it rejects). */
  stop(): Promise<void>;
}

export async function startLocalRuntime(config: Config, logger: Logger = createLogger({ level: config.logLevel })) {
  const stoppers: Stopper[] = [];
  try {
    const parts = await wireLocal(config, logger, stoppers);
    const { api, gateway, webhooks } = parts.apps;
    let draining = false;
    // `env` is the Node server's (incoming and outgoing messages): the API reads the client's socket address from it.
    const route = (request: Request, env: unknown) => {
      const path = new URL(request.url).pathname;
      if (path.startsWith('/rpc/')) return gateway.fetch(request);
      if (path === '/webhooks/stripe') return webhooks.fetch(request);
      return api.fetch(request, env);
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
    // The gateway's WebSocket JSON-RPC on the same port; its connections close (1001) before the server does.
    const sockets = attachGatewaySockets(server as Server, { core: parts.gatewayCore, logger });
    stoppers.unshift(() => sockets.close());
    const { port } = server.address() as AddressInfo;
    const host = config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host;
    const url = config.publicUrl ?? `http://${host}:${port}`;
    return {
      url,
      port,
      operator: parts.operator,
      deps: parts.deps,
      table: parts.table,
      defaultNetworkId: parts.defaultNetwork.id,
      nodeRuntime: nodeRuntimeBanner(parts),
      nodeProvider: parts.nodeProvider,
      reconciler: parts.reconciler,
      usage: parts.usage,
      governance: parts.governance,
      sockets,
      runEventsNow: () => parts.events.runNow(),
      billingReadiness: parts.billingReadiness,
      billingAtStart: parts.billingAtStart,
      idle: () => parts.nodeWorker.idle(),
      stop: () => stopAll(stoppers),
    } satisfies LocalRuntime;
  } catch (error) {
    await stopAll(stoppers).catch((stopFailure: unknown) =>
      logger.error('parts of the local runtime did not stop after the failed start', { error: stopFailure }),
    );
    throw error;
  }
}

/** What new managed nodes of the default network run on, in words. */
function nodeRuntimeBanner({ besu, defaultNetwork }: LocalParts): string {
  if (besu?.provider.hostsChainOf(defaultNetwork.id)) {
    return `Besu (${besu.path}); ${defaultNetwork.name} sealed by ${defaultNetwork.validators.length} genesis validator(s)`;
  }
  if (besu) {
    return `anvil for ${defaultNetwork.name} (created before Besu was found); Besu (${besu.path}) for networks created now`;
  }
  return 'anvil (one chain process per network; put besu on the PATH for real QBFT)';
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
