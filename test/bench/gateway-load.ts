/**
 * Load helpers the API and gateway benches share: a gateway served in its own process (as in production, with
 * real metering into an embedded DynamoDB) and a timed load of concurrent calls with p50/p99 latency. The gateway's
 * own figures beside the node and a bare proxy are `gateway.bench.ts`. With `--sockets` the gateway process also
 * serves WebSocket JSON-RPC on its port, as the local server does (`event-streams.bench.ts`).
 * GATEWAY_BENCH_NODE_ARGS adds Node flags to the gateway process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { Pool } from 'undici';
import { createGateway, createGatewayCore, type GatewayDeps } from '../../functions/gateway/create-gateway.ts';
import { RpcUpstream } from '../../functions/gateway/upstream.ts';
import { attachGatewaySockets } from '../../functions/local/gateway-sockets.ts';
import { startEmbeddedDynamo } from '../../shared/adapters/local/dynalite-server.ts';
import { UsageRepository } from '../../shared/metering/usage.repository.ts';
import { UsageMeter } from '../../shared/metering/usage-meter.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { ensureTable } from '../../shared/store/create-table.ts';
import { Table } from '../../shared/store/table.ts';

export const API_KEY = 'cck_bench_0123456789abcdefghijkl';
const NODE_ID = 'node_bench';

export interface Measurement {
  readonly requests: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU seconds the serving process spent during the timed load, when the caller could read them. */
  readonly cpuSeconds?: number;
}

export type CallFactory = (i: number) => string;

export async function measure(
  origin: string,
  path: string,
  mix: CallFactory,
  seconds: number,
  concurrency: number,
  cpuSeconds?: () => number,
): Promise<Measurement> {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  try {
    // Warm up connections (and, through the gateway, its caches and look-ups) before timing.
    await load(pool, path, mix, 0.5, concurrency);
    const cpuBefore = cpuSeconds?.();
    const measured = await load(pool, path, mix, seconds, concurrency);
    return cpuSeconds && cpuBefore !== undefined ? { ...measured, cpuSeconds: cpuSeconds() - cpuBefore } : measured;
  } finally {
    await pool.close();
  }
}

async function load(pool: Pool, path: string, mix: CallFactory, seconds: number, concurrency: number) {
  let next = 0;
  return timedLoad(seconds, concurrency, async () => {
    const body = mix(next++);
    const res = await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await res.body.text();
    return res.statusCode === 200 && text.includes('"result"');
  });
}

/**
 * Calls `call` from `concurrency` loops for `seconds`, timing each; `call` answers whether the answer was right.
 * Throughput and p50/p99 latency of what was sent.
 */
export async function timedLoad(
  seconds: number,
  concurrency: number,
  call: () => Promise<boolean>,
): Promise<Measurement> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const sentAt = performance.now();
        const right = await call();
        latencies.push(performance.now() - sentAt);
        if (!right) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return {
    requests: latencies.length,
    errors,
    perSecond: Math.round(latencies.length / elapsed),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

export function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Starts `script` (this file unless given) in gateway mode in a child process and waits for its port. */
export function startGatewayProcess(
  anvilUrl: string,
  script = fileURLToPath(import.meta.url),
  extraArgs: readonly string[] = [],
): Promise<BenchProcess> {
  return startBenchProcess(script, ['--serve-gateway', anvilUrl, ...extraArgs], 'gateway');
}

export interface BenchProcess {
  readonly url: string;
  readonly pid: number;
  cpuSeconds(): number;
  /** Everything the process has written to its standard output so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Runs `script` with `args` in a child process until it prints `<name> listening on <port>`. */
export async function startBenchProcess(script: string, args: readonly string[], name: string): Promise<BenchProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...(process.env.GATEWAY_BENCH_NODE_ARGS?.split(' ') ?? []), '--import', 'tsx', script, ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  let output = '';
  const port = await new Promise<number>((resolvePort, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = new RegExp(`${name} listening on (\\d+)`).exec(output);
      if (match) resolvePort(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${name} process exited with ${code}: ${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    cpuSeconds: () => processCpuSeconds(child.pid),
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** User and system CPU seconds of a process, from Linux's /proc (fields 14 and 15, in clock ticks of 1/100 s). */
export function processCpuSeconds(pid: number | undefined): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The bench's one API key, of an organisation whose plan sets no practical limit. */
export const benchAuthenticate: GatewayDeps['authenticate'] = async (secret) =>
  secret === API_KEY
    ? {
        orgId: 'org_bench',
        keyId: 'key_bench',
        scopes: ['rpc'],
        plan: {
          id: 'bench',
          requestsPerSecond: 1_000_000,
          burst: 1_000_000,
          maxBatchSize: 100,
          webSocket: { maxConnectionsPerKey: 100_000, maxSubscriptionsPerKey: 100_000 },
        },
      }
    : undefined;

/**
 * Gateway mode: the gateway with real metering into an embedded DynamoDB, in front of the given node; with
 * `sockets`, WebSocket JSON-RPC on the same port.
 */
export async function serveGateway(
  anvilUrl: string,
  extra: Partial<GatewayDeps> = {},
  options: { readonly sockets?: boolean } = {},
): Promise<void> {
  const dynamo = await startEmbeddedDynamo();
  await ensureTable(dynamo.client, 'carechain-bench');
  const meter = new UsageMeter({ store: new UsageRepository(new Table(dynamo.client, 'carechain-bench')) });
  meter.start();
  const quiet = (line: string) => (message: string, fields?: Record<string, unknown>) =>
    process.stderr.write(`${JSON.stringify({ level: line, message, ...fields })}\n`);
  const upstream = new RpcUpstream({ timeoutMs: 10_000 });
  const deps: GatewayDeps = {
    authenticate: benchAuthenticate,
    resolveNode: async (nodeId) =>
      nodeId === NODE_ID ? { orgId: 'org_bench', rpcUrl: anvilUrl, state: 'running', runtime: 'anvil' } : undefined,
    meter,
    clock: () => new Date(),
    logger: { debug: () => undefined, info: quiet('info'), warn: quiet('warn'), error: quiet('error') },
    upstream,
    ...extra,
  };
  const core = createGatewayCore(deps);
  const app = createGateway(deps, core);
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
    process.stdout.write(`gateway listening on ${info.port}\n`);
  });
  const sockets = options.sockets
    ? attachGatewaySockets(server as Server, { core, logger: createLogger({ level: 'warn', write: quietLine }) })
    : undefined;
  process.once('SIGTERM', () => {
    void sockets?.close();
    server.close();
    void meter
      .stop()
      .then(() => upstream.close())
      .then(() => dynamo.close())
      .finally(() => process.exit(0));
  });
}

function quietLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

const entry = process.argv[1] ? pathToFileURL(resolve(process.argv[1])).href : '';
if (entry === import.meta.url) {
  const servingAt = process.argv.indexOf('--serve-gateway');
  if (servingAt !== -1) {
    await serveGateway(process.argv[servingAt + 1] as string, {}, { sockets: process.argv.includes('--sockets') });
  }
}
