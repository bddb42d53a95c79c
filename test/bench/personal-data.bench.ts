/**
 * The personal-data guard's cost and accuracy (docs/architecture.md, "Personal-data guard"):
 * - the false-positive rate on 10,000 transactions of a realistic consortium mix (test/support/realistic-transactions.ts),
 *   by kind;
 * - the inspector's time per kilobyte of calldata: prose in an ABI string, random bytes, and the realistic mix;
 * - the gateway's throughput and CPU per request for `eth_sendRawTransaction` without and with the inspector, side
 *   by side: the same signed transactions of the realistic mix, through one gateway (real metering into an embedded
 *   DynamoDB, its own process), nothing found. It serves three nodes: two on networks whose policy is `off` (not
 *   inspected) and one on a network whose policy is `block`. One continuous load changes its target among them every
 *   250 ms, in a random order each cycle (interleaved-load.ts), so every side runs under the same conditions; the
 *   two uninspected sides are the control, their difference what the method shows when there is nothing to show.
 *   Separate runs of seconds each could not resolve 5 % on two shared cores: there the node and the load generator
 *   share the CPU with the gateway, and one run's CPU per request moved by 10-40 % from the next. The node is a
 *   JSON-RPC server in a process of its own that answers each transaction with its hash at once: anvil, holding
 *   thousands of queued transactions, answers in hundreds of milliseconds and would hide the gateway's own cost;
 * - the inspector's own time inside that gateway process under the same load, one call in `TIMED_EVERY` timed there
 *   by the clock, less what two clock reads take alone (wall time: on two cores shared with the load generator and
 *   the node, the process may be descheduled during a call, so this is at most, not exactly, its CPU time). Timing
 *   every call added 0.86 µs to each (a run with an inspector that does nothing showed it), which the side with the
 *   inspector then paid in the difference above as well; one call in eight pays it now. As a share of the process's CPU per request with it: what
 *   the inspector itself costs, beside the difference above, which holds as well what its work does to the rest of
 *   the request (collecting what it allocates, the caches it displaces).
 * Run: `npm run bench -- personal-data` (or node --import tsx test/bench/personal-data.bench.ts [seconds] [concurrency]).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AbiCoder, HDNodeWallet, Interface, keccak256, Mnemonic, randomBytes, Transaction } from 'ethers';
import type { GatewayPersonalData } from '../../functions/gateway/personal-data-screen.ts';
import { PersonalDataScanner } from '../../shared/data-protection/personal-data-scanner.ts';
import { CHAIN_ID } from '../integration/gateway/gateway-fixture.ts';
import { type RealisticTransaction, realisticTransactions } from '../support/realistic-transactions.ts';
import {
  API_KEY,
  type CallFactory,
  round,
  serveGateway,
  startBenchProcess,
  startGatewayProcess,
} from './gateway-load.ts';
import { interleavedLoad, type SideFigures } from './interleaved-load.ts';

const MIX_SIZE = 10_000;
const WARM_UP_SECONDS = 4;
const PLAIN_NODE = 'node_plain';
const PLAIN_NODE_AGAIN = 'node_plain_again';
const GUARDED_NODE = 'node_guarded';
const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
const NOTE = new Interface(['function note(string text)']);

export interface PersonalDataBenchFigures {
  readonly falsePositives: { readonly transactions: number; readonly flagged: number; readonly rate: number };
  readonly microsPerKilobyte: Readonly<Record<string, number>>;
  /** The interleaved load's figures per node: the two without inspection and the one with it. */
  readonly gateway: Readonly<Record<'without' | 'withoutAgain' | 'with', SideFigures>>;
  readonly cycles: number;
  /** Throughput with the inspector over the mean of the two sides without it. */
  readonly throughputRatio: number;
  /** The share of the gateway's CPU per request the inspector adds, in per cent: mean over cycles, standard error. */
  readonly cost: { readonly mean: number; readonly standardError: number };
  /** The same between the two sides without inspection: what the method shows when there is nothing to show. */
  readonly control: { readonly mean: number; readonly standardError: number };
  /** The inspector's wall time per transaction, timed inside the gateway process during the load, in microseconds. */
  readonly inspectorMicros: number;
  /** That time as a share of the gateway process's CPU per request with the inspector, in per cent. */
  readonly inspectorShare: number;
}

export async function run(seconds = 60, concurrency = 32): Promise<PersonalDataBenchFigures> {
  const inspector = new PersonalDataScanner();
  await inspector.prepare();
  const mix = realisticTransactions(MIX_SIZE);
  const falsePositives = countFalsePositives(inspector, mix);
  const microsPerKilobyte = timePerKilobyte(inspector, mix);
  const signed = await signAll(mix);
  const call: CallFactory = (i) =>
    `{"jsonrpc":"2.0","id":${i},"method":"eth_sendRawTransaction","params":["${signed[i % signed.length]}"]}`;
  const { figures: load, inspectorMicros } = await measureGateway(call, seconds, concurrency);
  const without = load.sides[PLAIN_NODE];
  const withoutAgain = load.sides[PLAIN_NODE_AGAIN];
  const withInspector = load.sides[GUARDED_NODE];
  const figures: PersonalDataBenchFigures = {
    falsePositives,
    microsPerKilobyte,
    gateway: { without, withoutAgain, with: withInspector },
    cycles: load.cycles,
    throughputRatio: round((2 * withInspector.perSecond) / (without.perSecond + withoutAgain.perSecond)),
    cost: load.difference(GUARDED_NODE, [PLAIN_NODE, PLAIN_NODE_AGAIN]),
    control: load.difference(PLAIN_NODE_AGAIN, [PLAIN_NODE]),
    inspectorMicros,
    inspectorShare: round((inspectorMicros / withInspector.cpuMicros) * 100),
  };
  print(figures, seconds, concurrency, signed.length);
  return figures;
}

function countFalsePositives(inspector: PersonalDataScanner, mix: readonly RealisticTransaction[]) {
  const byKind = new Map<string, number>();
  for (const tx of mix) {
    const inspection = inspector.inspectRawTransaction(tx.unsignedRaw);
    if (inspection.findings.length > 0 || !inspection.decoded) byKind.set(tx.kind, (byKind.get(tx.kind) ?? 0) + 1);
  }
  const flagged = [...byKind.values()].reduce((a, b) => a + b, 0);
  for (const [kind, count] of byKind) process.stdout.write(`  false positive: ${kind} ×${count}\n`);
  return { transactions: mix.length, flagged, rate: flagged / mix.length };
}

/**
 * Microseconds of inspection per kilobyte of calldata, for several kinds of data, each in a transaction inspected as
 * the gateway inspects one (`inspectRawTransaction`).
 */
function timePerKilobyte(inspector: PersonalDataScanner, mix: readonly RealisticTransaction[]) {
  const to = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
  const prose = (bytes: number) =>
    NOTE.encodeFunctionData('note', [
      'Batch LOT-20261124-0042 released 2026-11-24 by pharmacy QA, temperature 4.5 °C, order 88123. '.repeat(
        Math.ceil(bytes / 96),
      ),
    ]);
  const random = (bytes: number) => `0x${Buffer.from(randomBytes(bytes)).toString('hex')}`;
  const abiBytes = (bytes: number) => AbiCoder.defaultAbiCoder().encode(['bytes'], [randomBytes(bytes)]);
  const cases: Record<string, string[]> = {
    'prose string, 1 KB': [prose(1024)],
    'prose string, 16 KB': [prose(16 * 1024)],
    'random bytes, 1 KB': [random(1024)],
    'random bytes, 16 KB': [random(16 * 1024)],
    'ABI bytes, 16 KB': [abiBytes(16 * 1024)],
    'realistic mix (10,000)': mix.map((tx) => tx.data),
  };
  const figures: Record<string, number> = {};
  for (const [name, datas] of Object.entries(cases)) {
    const kilobytes = datas.reduce((sum, data) => sum + (data.length - 2) / 2, 0) / 1024;
    const raws = name.startsWith('realistic')
      ? mix.map((tx) => tx.unsignedRaw)
      : datas.map((data) => Transaction.from({ to, data, chainId: CHAIN_ID, type: 2 }).unsignedSerialized);
    let rounds = 0;
    const started = performance.now();
    while (performance.now() - started < 500) {
      for (const raw of raws) inspector.inspectRawTransaction(raw);
      rounds++;
    }
    const micros = ((performance.now() - started) * 1000) / rounds;
    figures[name] = round(micros / kilobytes);
  }
  return figures;
}

/** The mix signed by anvil's funded dev accounts (free gas), each account's nonces in order. */
async function signAll(mix: readonly RealisticTransaction[]): Promise<string[]> {
  const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), "m/44'/60'/0'/0");
  const wallets = Array.from({ length: 10 }, (_, i) => root.deriveChild(i));
  return Promise.all(
    mix.map((tx, i) =>
      (wallets[i % wallets.length] as HDNodeWallet).signTransaction({
        ...tx.fields,
        nonce: Math.floor(i / wallets.length),
        chainId: CHAIN_ID,
        gasLimit: 1_000_000,
        type: 2,
        maxFeePerGas: 0,
        maxPriorityFeePerGas: 0,
      }),
    ),
  );
}

/**
 * The bench's nodes: two that are not inspected, on networks whose policy is `off` (the pair whose difference shows
 * what the method resolves), and one that is, on a network whose policy is `block`.
 */
function benchNode(rpcUrl: string, nodeId: string) {
  const node = (networkId: string) =>
    ({ orgId: 'org_bench', rpcUrl, state: 'running', runtime: 'anvil', networkId }) as const;
  if (nodeId === PLAIN_NODE || nodeId === PLAIN_NODE_AGAIN) return node(`net_off_${nodeId}`);
  return nodeId === GUARDED_NODE ? node('net_block') : undefined;
}

/** The interleaved load on one gateway process, after a warm-up; the inspector's own time from inside it. */
async function measureGateway(call: CallFactory, seconds: number, concurrency: number) {
  const node = await startNodeProcess();
  const gateway = await startGatewayProcess(node.url, fileURLToPath(import.meta.url));
  const paths = {
    [PLAIN_NODE]: `/rpc/${PLAIN_NODE}/${API_KEY}`,
    [PLAIN_NODE_AGAIN]: `/rpc/${PLAIN_NODE_AGAIN}/${API_KEY}`,
    [GUARDED_NODE]: `/rpc/${GUARDED_NODE}/${API_KEY}`,
  };
  const load = { origin: gateway.url, pid: gateway.pid, paths, call, concurrency };
  try {
    // Not counted: the gateway process compiles and warms its caches and its embedded DynamoDB during the first
    // seconds of load; the inspector's timings start afresh after it, when the compiler has optimised it.
    await interleavedLoad({ ...load, seconds: WARM_UP_SECONDS });
    process.kill(gateway.pid, INSPECTOR_TIMES_RESET);
    const figures = await interleavedLoad({ ...load, seconds });
    await gateway.stop();
    return { figures, inspectorMicros: inspectorMicrosIn(gateway.output()) };
  } finally {
    await gateway.stop();
    await node.stop();
  }
}

/** Sent to the gateway process: start the inspector's timings afresh. */
const INSPECTOR_TIMES_RESET = 'SIGUSR2';
/** The inspector's mean time per call, as the gateway process printed it when it stopped. */
function inspectorMicrosIn(output: string): number {
  const match = /inspector timed: (\d+(?:\.\d+)?) µs over (\d+) calls/.exec(output);
  if (!match || Number(match[2]) === 0) throw new Error(`The gateway process printed no inspector timings: ${output}`);
  return round(Number(match[1]) / Number(match[2]));
}

/** Starts this file in node mode in a child process and waits for its port. */
function startNodeProcess(): Promise<{ url: string; stop(): Promise<void> }> {
  return startBenchProcess(fileURLToPath(import.meta.url), ['--serve-node'], 'node');
}

/** Node mode: answers `eth_sendRawTransaction` with the transaction's hash, as a node that accepts it does. */
function serveNode(): void {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const call = JSON.parse(Buffer.concat(chunks).toString()) as { id: unknown; params?: unknown[] };
      const raw = typeof call.params?.[0] === 'string' ? call.params[0] : '0x';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, result: keccak256(raw) }));
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`node listening on ${(server.address() as AddressInfo).port}\n`);
  });
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

function print(figures: PersonalDataBenchFigures, seconds: number, concurrency: number, pool: number): void {
  const fp = figures.falsePositives;
  const row = (name: string, m: SideFigures) =>
    `  ${name.padEnd(26)} ${String(m.perSecond).padStart(6)} req/s   p50 ${m.p50Ms.toFixed(2).padStart(6)} ms   p99 ${m.p99Ms
      .toFixed(2)
      .padStart(6)} ms   CPU ${m.cpuMicros.toFixed(1)} µs/request   (${m.requests} requests, ${m.errors} errors)`;
  const { gateway, cost, control } = figures;
  const withError = (d: { mean: number; standardError: number }) => `${d.mean} % ± ${d.standardError}`;
  process.stdout.write(
    [
      `False positives on ${fp.transactions.toLocaleString('en')} realistic transactions: ${fp.flagged} (${(fp.rate * 100).toFixed(2)} %)`,
      'Inspector time per kilobyte of calldata:',
      ...Object.entries(figures.microsPerKilobyte).map(([name, micros]) => `  ${name.padEnd(24)} ${micros} µs/KB`),
      `Gateway eth_sendRawTransaction over HTTP: one load of ${seconds} s, ${concurrency} concurrent, ${pool} signed transactions, loopback,`,
      `  its target changed every 250 ms among three nodes in a random order each cycle (${figures.cycles} whole cycles):`,
      row('without inspector', gateway.without),
      row('without inspector, again', gateway.withoutAgain),
      row('with inspector', gateway.with),
      `  throughput with/without ×${figures.throughputRatio}`,
      `  the inspector adds ${withError(cost)} (standard error over cycles) to the gateway's CPU per request (goal < 5 %)`,
      `  control, the two nodes without inspection: ${withError(control)}, what the method shows when there is nothing to show`,
      `  inside the gateway process, the inspector took ${figures.inspectorMicros} µs per transaction: ${figures.inspectorShare} % of its CPU`,
      '    per request with it: its own time alone, by the clock (the difference above holds as well what its work does to',
      '    the rest of the request)',
      '',
    ].join('\n'),
  );
}

/** One inspection in this many is timed inside the gateway (the transactions come in a random order of the mix). */
const TIMED_EVERY = 8;

/** Microseconds between two clock reads with nothing between them: subtracted from each timed inspection. */
function clockReadMicros(): number {
  const rounds = 100_000;
  let total = 0;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    total += performance.now() - started;
  }
  return (total * 1000) / rounds;
}

/**
 * The gateway's guard in the bench: the two `net_off_…` networks are not inspected, `net_block` is; nothing is
 * recorded. One inspection in `TIMED_EVERY` is timed, less the clock's own time: the total and the number of timed
 * calls are printed when the process stops and start afresh on `INSPECTOR_TIMES_RESET`.
 */
function guard(): GatewayPersonalData {
  const inspector = new PersonalDataScanner();
  const inspect = inspector.inspectRawTransaction.bind(inspector);
  const clock = clockReadMicros();
  const timed = { micros: 0, calls: 0 };
  let untimed = 0;
  inspector.inspectRawTransaction = (raw, patterns) => {
    if (++untimed < TIMED_EVERY) return inspect(raw, patterns);
    untimed = 0;
    const started = performance.now();
    try {
      return inspect(raw, patterns);
    } finally {
      timed.micros += (performance.now() - started) * 1000 - clock;
      timed.calls++;
    }
  };
  process.on(INSPECTOR_TIMES_RESET, () => {
    timed.micros = 0;
    timed.calls = 0;
  });
  process.prependOnceListener('SIGTERM', () => {
    process.stdout.write(`inspector timed: ${timed.micros.toFixed(1)} µs over ${timed.calls} calls\n`);
  });
  return {
    inspector,
    modeOf: async (networkId) => (networkId.startsWith('net_off') ? 'off' : 'block'),
    rulesOf: async () => ({ patterns: await new PersonalDataScanner().compilePatterns([]), exemptions: [] }),
    record: async () => undefined,
  };
}

const entry = process.argv[1] ? pathToFileURL(resolve(process.argv[1])).href : '';
if (entry === import.meta.url) {
  const servingAt = process.argv.indexOf('--serve-gateway');
  if (process.argv.includes('--serve-node')) {
    serveNode();
  } else if (servingAt !== -1) {
    const nodeUrl = process.argv[servingAt + 1] as string;
    await serveGateway(nodeUrl, {
      personalData: guard(),
      resolveNode: async (nodeId) => benchNode(nodeUrl, nodeId),
    });
  } else {
    await run(Number(process.argv[2] ?? 60), Number(process.argv[3] ?? 32));
  }
}
