/**
 * Real parts behind the gateway for integration tests and the benchmark: an anvil chain, an embedded DynamoDB
 * (dynalite) holding usage records, and the gateway served over HTTP by @hono/node-server on a free port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createGateway, type GatewayNode, type GatewayPrincipal } from '../../../functions/gateway/create-gateway.ts';
import { RpcUpstream } from '../../../functions/gateway/upstream.ts';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import type { GatewayPlan } from '../../../shared/domain/plans.ts';
import { UsageRepository } from '../../../shared/metering/usage.repository.ts';
import { UsageMeter } from '../../../shared/metering/usage-meter.ts';
import { ensureTable } from '../../../shared/store/create-table.ts';
import { Table } from '../../../shared/store/table.ts';
import { type AnvilProcess, FREE_GAS, spawnAnvil } from '../../support/anvil-process.ts';

export const CHAIN_ID = 1_337_777;

export type { AnvilProcess };

/** A free-gas anvil chain sealing a block every second, as the local runtime runs it. */
export function startAnvil(): Promise<AnvilProcess> {
  return spawnAnvil([...FREE_GAS, '--chain-id', String(CHAIN_ID), '--block-time', '1']);
}

/** An HTTP server that accepts requests and never answers them: a node that hangs. */
export async function startSilentNode(): Promise<{ url: string; stop(): Promise<void> }> {
  const server: Server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ApiKeyGrant {
  readonly secret: string;
  readonly principal: GatewayPrincipal;
}

export interface GatewayServer {
  readonly url: string;
  readonly dynamo: EmbeddedDynamo;
  readonly table: Table;
  readonly repository: UsageRepository;
  readonly meter: UsageMeter;
  /** Every JSON line the gateway logged. */
  readonly logLines: string[];
  /** PutItem calls sent to the table so far, per partition key. */
  writesTo(pk: string): number;
  stop(): Promise<void>;
}

export const generousPlan: GatewayPlan = {
  id: 'enterprise',
  requestsPerSecond: 100_000,
  burst: 100_000,
  maxBatchSize: 100,
};

export async function startGatewayServer(options: {
  keys: readonly ApiKeyGrant[];
  nodes: Readonly<Record<string, GatewayNode>>;
  upstreamTimeoutMs?: number;
  clock?: () => Date;
  logLevel?: 'debug' | 'info';
}): Promise<GatewayServer> {
  const dynamo = await startEmbeddedDynamo();
  const tableName = 'carechain-gateway';
  await ensureTable(dynamo.client, tableName);
  const writes = new Map<string, number>();
  dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutItemCommand') {
        // The item as the table sends it: attribute values (the partition key a string, `S`).
        const pk = String((args.input as { Item?: { pk?: { S?: string } } }).Item?.pk?.S);
        writes.set(pk, (writes.get(pk) ?? 0) + 1);
      }
      return next(args);
    },
    { step: 'initialize', name: 'countTableWrites' },
  );
  const clock = options.clock ?? (() => new Date());
  const table = new Table(dynamo.client, tableName, clock);
  const repository = new UsageRepository(table, clock);
  const logLines: string[] = [];
  const log =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (level === 'debug' && options.logLevel !== 'debug') return;
      logLines.push(JSON.stringify({ level, message, ...fields }));
    };
  const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const meter = new UsageMeter({ store: repository, clock, logger, flushIntervalMs: 60_000 });
  const upstream = new RpcUpstream({ timeoutMs: options.upstreamTimeoutMs ?? 2000 });
  const principals = new Map(options.keys.map((key) => [key.secret, key.principal]));
  const app = createGateway({
    authenticate: async (secret) => principals.get(secret),
    resolveNode: async (nodeId) => options.nodes[nodeId],
    meter,
    clock,
    logger,
    upstream,
  });
  let server: ReturnType<typeof serve> | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
  });
  const listening = server as ReturnType<typeof serve>;
  return {
    url: `http://127.0.0.1:${port}`,
    dynamo,
    table,
    repository,
    meter,
    logLines,
    writesTo: (pk) => writes.get(pk) ?? 0,
    async stop() {
      await new Promise<void>((resolve) => {
        if ('closeAllConnections' in listening) listening.closeAllConnections();
        listening.close(() => resolve());
      });
      await upstream.close();
      await dynamo.close();
    },
  };
}
