/**
 * Gateway overhead: throughput and p50/p99 latency of JSON-RPC calls sent straight to an anvil node, through the
 * thinnest useful Node proxy (bare-proxy.ts) and through the gateway to the same node, side by side in one run
 * with one load generator, for a mix the gateway must forward (eth_blockNumber, eth_getBalance) and a mix it may
 * answer from its cache (eth_chainId, eth_getBlockByNumber of old blocks). It prints gateway/bare-proxy ratios
 * and the latency each hop adds over the node alone, against the goals: forwarded ≥ 0.9× the bare proxy, cache
 * hits ≥ 1.2× (memory must beat a round trip), at most 2 ms added p99.
 *
 * The gateway and the bare proxy run in their own processes (as in production), the gateway with real metering
 * into an embedded DynamoDB, so the load generator does not share their event loops. Loopback only; each
 * measurement lasts a few seconds, taken in short rounds in turn with the other targets, so that a machine shared
 * with other work slows all three alike.
 * Run: node --import tsx test/bench/gateway.bench.ts [seconds per measurement] [concurrency]
 * (or `npm run bench -- gateway`). GATEWAY_BENCH_NODE_ARGS adds Node flags to the gateway process, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/profiles` to see where its time goes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { startAnvil } from '../integration/gateway/gateway-fixture.ts';
import { API_KEY, processCpuSeconds } from './gateway-load.ts';

const NODE_ID = 'node_bench';
const OLD_BLOCKS = 64;
const ACCOUNT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

export interface Measurement {
  /**
   * CPU time (user and system) the serving process spent per request, in microseconds: unlike throughput it
   * hardly moves when other work shares the machine. Undefined for the node itself.
   */
  readonly cpuMicrosPerRequest?: number;
  readonly requests: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface MixFigures {
  readonly direct: Measurement;
  readonly bareProxy: Measurement;
  readonly gateway: Measurement;
  /** Gateway throughput over the bare proxy's. */
  readonly overBareProxy: number;
  /** The gateway's CPU time per request over the bare proxy's. */
  readonly cpuOverBareProxy: number | undefined;
  /** Milliseconds the gateway adds to the node alone, and what the bare proxy adds. */
  readonly gatewayAdded: { readonly p50Ms: number; readonly p99Ms: number };
  readonly bareProxyAdded: { readonly p50Ms: number; readonly p99Ms: number };
}

export interface GatewayBenchFigures {
  readonly seconds: number;
  readonly concurrency: number;
  readonly forwarded: MixFigures;
  readonly cacheable: MixFigures;
}

type CallFactory = (i: number) => string;

const forwardedMix: CallFactory = (i) =>
  i % 2 === 0
    ? `{"jsonrpc":"2.0","id":${i},"method":"eth_blockNumber","params":[]}`
    : `{"jsonrpc":"2.0","id":${i},"method":"eth_getBalance","params":["${ACCOUNT}","latest"]}`;

const cacheableMix: CallFactory = (i) =>
  i % 2 === 0
    ? `{"jsonrpc":"2.0","id":${i},"method":"eth_chainId","params":[]}`
    : `{"jsonrpc":"2.0","id":${i},"method":"eth_getBlockByNumber","params":["0x${(1 + (i % OLD_BLOCKS)).toString(16)}",false]}`;

/** Measures and prints the figures, and returns them for a runner. */
export async function run(seconds = 3, concurrency = 32): Promise<GatewayBenchFigures> {
  const anvil = await startAnvil();
  const gateway = await startChild(
    [fileURLToPath(new URL('./gateway-load.ts', import.meta.url)), '--serve-gateway', anvil.url],
    /gateway listening on (\d+)/,
    process.env.GATEWAY_BENCH_NODE_ARGS?.split(' ').filter(Boolean),
  );
  const bareProxy = await startChild(
    [fileURLToPath(new URL('./bare-proxy.ts', import.meta.url)), anvil.url],
    /bare proxy listening on (\d+)/,
  );
  try {
    await send(
      anvil.url,
      '/',
      `{"jsonrpc":"2.0","id":1,"method":"anvil_mine","params":["0x${(OLD_BLOCKS + 8).toString(16)}"]}`,
    );
    const gatewayPath = `/rpc/${NODE_ID}/${API_KEY}`;
    const measureMix = async (mix: CallFactory): Promise<MixFigures> => {
      const [direct, viaBareProxy, viaGateway] = (await measureInRounds(
        [
          { origin: anvil.url, path: '/' },
          { origin: bareProxy.url, path: '/', cpuSeconds: bareProxy.cpuSeconds },
          { origin: gateway.url, path: gatewayPath, cpuSeconds: gateway.cpuSeconds },
        ],
        mix,
        seconds,
        concurrency,
      )) as [Measurement, Measurement, Measurement];
      const added = (m: Measurement) => ({
        p50Ms: round(m.p50Ms - direct.p50Ms),
        p99Ms: round(m.p99Ms - direct.p99Ms),
      });
      return {
        direct,
        bareProxy: viaBareProxy,
        gateway: viaGateway,
        overBareProxy: round(viaGateway.perSecond / viaBareProxy.perSecond),
        cpuOverBareProxy:
          viaGateway.cpuMicrosPerRequest && viaBareProxy.cpuMicrosPerRequest
            ? round(viaGateway.cpuMicrosPerRequest / viaBareProxy.cpuMicrosPerRequest)
            : undefined,
        gatewayAdded: added(viaGateway),
        bareProxyAdded: added(viaBareProxy),
      };
    };
    const figures = {
      seconds,
      concurrency,
      forwarded: await measureMix(forwardedMix),
      cacheable: await measureMix(cacheableMix),
    };
    print(figures);
    return figures;
  } finally {
    await gateway.stop();
    await bareProxy.stop();
    await anvil.stop();
  }
}

/** Rounds each target's time is cut into: a machine whose load changes during the run slows all targets alike. */
const ROUNDS = 5;
/**
 * Load each target gets before it is timed. A server process loads and compiles the code of a path the first time
 * requests take it, the gateway's far more of it than the bare proxy's: timed from half a second, the forwarded
 * mix counted the gateway's start-up too (307 µs of CPU per request against 116 µs once warm, in one run of each).
 * The bench compares the hop in steady state; a function's cold start is the bundles bench's cold import time.
 */
const WARM_UP_SECONDS = 3;

/**
 * Measures the targets in turns (a short round of each, the order rotating) rather than one after the other,
 * and adds the rounds up per target.
 */
interface Target {
  readonly origin: string;
  readonly path: string;
  /** CPU seconds the serving process has used so far. */
  readonly cpuSeconds?: () => number;
}

async function measureInRounds(
  targets: readonly Target[],
  mix: CallFactory,
  seconds: number,
  concurrency: number,
): Promise<Measurement[]> {
  const pools = targets.map((target) => new Pool(target.origin, { connections: concurrency, pipelining: 1 }));
  try {
    // Warm up connections (and, through the gateway, its caches and look-ups) before timing.
    for (const [i, target] of targets.entries()) {
      await load(pools[i] as Pool, target.path, mix, WARM_UP_SECONDS, concurrency);
    }
    const rounds: Round[][] = targets.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (let turn = 0; turn < targets.length; turn++) {
        const i = (round + turn) % targets.length;
        const target = targets[i] as Target;
        const cpuBefore = target.cpuSeconds?.();
        const measured = await load(pools[i] as Pool, target.path, mix, seconds / ROUNDS, concurrency);
        const cpuAfter = target.cpuSeconds?.();
        const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
        rounds[i]?.push({ ...measured, cpuSeconds: cpu });
      }
    }
    return rounds.map(summarise);
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
  }
}

interface Round {
  readonly latencies: number[];
  readonly errors: number;
  readonly elapsedSeconds: number;
  readonly cpuSeconds?: number;
}

function summarise(rounds: readonly Round[]): Measurement {
  const latencies = rounds.flatMap((round) => round.latencies).sort((a, b) => a - b);
  const elapsed = rounds.reduce((sum, round) => sum + round.elapsedSeconds, 0);
  const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  const cpu = rounds.every((r) => r.cpuSeconds !== undefined)
    ? rounds.reduce((sum, r) => sum + (r.cpuSeconds ?? 0), 0)
    : undefined;
  return {
    cpuMicrosPerRequest: cpu === undefined ? undefined : Math.round((cpu / latencies.length) * 1e6),
    requests: latencies.length,
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    perSecond: Math.round(latencies.length / elapsed),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

async function load(pool: Pool, path: string, mix: CallFactory, seconds: number, concurrency: number): Promise<Round> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const body = mix(next++);
        const sentAt = performance.now();
        const res = await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const text = await res.body.text();
        latencies.push(performance.now() - sentAt);
        if (res.statusCode !== 200 || !text.includes('"result"')) errors++;
      }
    }),
  );
  return { latencies, errors, elapsedSeconds: (performance.now() - started) / 1000 };
}

async function send(origin: string, path: string, body: string): Promise<string> {
  const pool = new Pool(origin, { connections: 1 });
  try {
    const res = await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return await res.body.text();
  } finally {
    await pool.close();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function print(figures: GatewayBenchFigures): void {
  const row = (name: string, m: Measurement) =>
    `  ${name.padEnd(10)} ${String(m.perSecond).padStart(8)} req/s   p50 ${m.p50Ms.toFixed(2).padStart(6)} ms   p99 ${m.p99Ms
      .toFixed(2)
      .padStart(
        6,
      )} ms   ${m.cpuMicrosPerRequest === undefined ? '' : `CPU ${m.cpuMicrosPerRequest} µs/request   `}(${m.requests} requests, ${m.errors} errors)`;
  // A sign of its own: a percentile under the node's own (noise at 3 s a measurement) reads −0.11, not +-0.11.
  const signed = (ms: number) => (ms < 0 ? `−${-ms}` : `+${ms}`);
  const added = (m: { p50Ms: number; p99Ms: number }) => `p50 ${signed(m.p50Ms)} ms, p99 ${signed(m.p99Ms)} ms`;
  const mix = (title: string, f: MixFigures, goal: number) =>
    [
      title,
      row('direct', f.direct),
      row('bare proxy', f.bareProxy),
      row('gateway', f.gateway),
      `  gateway/bare proxy: throughput ×${f.overBareProxy} (goal ≥ ×${goal}); CPU per request ×${f.cpuOverBareProxy ?? '?'}`,
      `  added over the node: bare proxy ${added(f.bareProxyAdded)}; gateway ${added(f.gatewayAdded)} (goal p99 ≤ +2 ms)`,
    ].join('\n');
  process.stdout.write(
    [
      `Direct anvil, bare proxy and gateway, ${figures.seconds} s per measurement, ${figures.concurrency} concurrent, loopback`,
      mix('Forwarded mix (eth_blockNumber, eth_getBalance):', figures.forwarded, 0.9),
      mix('Cacheable mix (eth_chainId, eth_getBlockByNumber of old blocks):', figures.cacheable, 1.2),
      '',
    ].join('\n'),
  );
}

/** Starts a script (the gateway, served by gateway-load.ts, or the bare proxy) in a child process and waits for its port. */
async function startChild(
  args: readonly string[],
  listening: RegExp,
  nodeArgs: readonly string[] = [],
): Promise<{ url: string; cpuSeconds(): number; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = listening.exec(output);
      if (match) resolvePort(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    cpuSeconds: () => processCpuSeconds(child.pid),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const entry = process.argv[1] ? pathToFileURL(resolve(process.argv[1])).href : '';
if (entry === import.meta.url) {
  await run(Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 32));
}
