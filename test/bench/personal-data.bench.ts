/**
 * The personal-data guard's cost and accuracy (docs/architecture.md, "Personal-data guard"):
 * - the false-positive rate on 10,000 transactions of a realistic consortium mix (test/support/realistic-transactions.ts),
 *   by kind;
 * - the inspector's time per kilobyte of calldata: prose in an ABI string, random bytes, and the realistic mix;
 * - the gateway's throughput for `eth_sendRawTransaction` without and with the inspector, side by side: the same
 *   signed transactions of the realistic mix, through the same gateway (real metering into an embedded DynamoDB,
 *   its own process), nothing found. One gateway serves two nodes: one on a network whose policy is `off` (no
 *   inspection), one on a network whose policy is `block`; short runs alternate between them and are summed, so
 *   other work on the machine weighs on both alike. Beside throughput, the CPU time the gateway process spent per
 *   request on each side, summed and per pair of adjacent runs: on a machine of two cores the load generator and
 *   the node share the CPU with the gateway and change how many requests each turn of its event loop serves, so
 *   both figures move from run to run by more than the inspector costs. The node behind both is a JSON-RPC server
 *   in a process of its own that answers each transaction with its hash at once: anvil, holding thousands of
 *   queued transactions, answers in hundreds of milliseconds and would hide the gateway's own cost;
 * - a control: the same runs against a gateway whose inspector reads nothing, so the figures above can be read
 *   against what the method shows when there is nothing to show (on two shared cores it has read from -7 to +4 %
 *   of CPU per request);
 * - the inspector's own time inside that gateway process under the same load, every call timed there, as a share of
 *   the process's CPU per request with it: the cost measured where it is paid, both figures from one process in one
 *   run, so that how fast the machine is at the moment weighs on both alike.
 * Run: `npm run bench -- personal-data` (or node --import tsx test/bench/personal-data.bench.ts [seconds] [concurrency]).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AbiCoder, HDNodeWallet, Interface, keccak256, Mnemonic, randomBytes } from 'ethers';
import type { GatewayPersonalData } from '../../functions/gateway/personal-data-screen.ts';
import { PersonalDataScanner } from '../../shared/data-protection/personal-data-scanner.ts';
import { CHAIN_ID } from '../integration/gateway/gateway-fixture.ts';
import { type RealisticTransaction, realisticTransactions } from '../support/realistic-transactions.ts';
import {
  API_KEY,
  type CallFactory,
  type Measurement,
  measure,
  round,
  serveGateway,
  startBenchProcess,
  startGatewayProcess,
} from './gateway-load.ts';

const MIX_SIZE = 10_000;
const ROUNDS = 10;
const PLAIN_NODE = 'node_plain';
const GUARDED_NODE = 'node_guarded';
const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
const NOTE = new Interface(['function note(string text)']);

export interface GatewayComparison {
  readonly without: Measurement;
  readonly with: Measurement;
  /** Throughput with the inspector over throughput without it. */
  readonly throughputRatio: number;
  /** CPU time of the gateway process per request, in microseconds. */
  readonly cpuMicrosWithout: number;
  readonly cpuMicrosWith: number;
  /** The share of the gateway's CPU per request the inspector adds, in per cent, from the summed runs. */
  readonly cost: number;
  /**
   * The same share in each pair of adjacent runs (one each side), in per cent, sorted: how far the machine's other
   * work moves one run's CPU per request, beside what the inspector costs.
   */
  readonly pairCosts: readonly number[];
}

export interface PersonalDataBenchFigures {
  readonly falsePositives: { readonly transactions: number; readonly flagged: number; readonly rate: number };
  readonly microsPerKilobyte: Readonly<Record<string, number>>;
  readonly gateway: GatewayComparison;
  /**
   * The same method, with an inspector that reads nothing and answers at once on the guarded network: what the
   * method shows when there is nothing to show, its resolution on this machine.
   */
  readonly control: GatewayComparison;
  /** The inspector's time per transaction, timed inside the gateway process during the HTTP runs, in microseconds. */
  readonly inspectorMicros: number;
  /**
   * That time as a share of the gateway process's CPU per request with the inspector, in per cent: the inspector's
   * cost measured directly, beside the difference of two CPU totals and the throughput ratio.
   */
  readonly inspectorShare: number;
}

export async function run(seconds = 1.5, concurrency = 32): Promise<PersonalDataBenchFigures> {
  const inspector = new PersonalDataScanner();
  const mix = realisticTransactions(MIX_SIZE);
  const falsePositives = countFalsePositives(inspector, mix);
  const microsPerKilobyte = timePerKilobyte(inspector, mix);
  const signed = await signAll(mix);
  const call: CallFactory = (i) =>
    `{"jsonrpc":"2.0","id":${i},"method":"eth_sendRawTransaction","params":["${signed[i % signed.length]}"]}`;
  const measured = await measureGateway(call, seconds, concurrency);
  const control = await measureGateway(call, seconds, concurrency, [INSPECT_NOTHING]);
  const figures: PersonalDataBenchFigures = {
    falsePositives,
    microsPerKilobyte,
    gateway: comparison(measured),
    control: comparison(control),
    inspectorMicros: measured.inspectorMicros,
    inspectorShare: round((measured.inspectorMicros / cpuMicrosPerRequest(measured.withInspector)) * 100),
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

/** Microseconds of inspection per kilobyte of calldata, for several kinds of data. */
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
    let rounds = 0;
    const started = performance.now();
    while (performance.now() - started < 500) {
      for (const data of datas) inspector.inspectTransaction({ to, data });
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

/** The bench's two nodes: one on a network that is not inspected (`net_off`), one that is (`net_block`). */
function benchNode(rpcUrl: string, nodeId: string) {
  const node = (networkId: string) =>
    ({ orgId: 'org_bench', rpcUrl, state: 'running', runtime: 'anvil', networkId }) as const;
  return nodeId === PLAIN_NODE ? node('net_off') : nodeId === GUARDED_NODE ? node('net_block') : undefined;
}

/** Alternating runs of `seconds` through the node without inspection and the one with it, summed per node. */
async function measureGateway(call: CallFactory, seconds: number, concurrency: number, gatewayArgs: string[] = []) {
  const node = await startNodeProcess();
  const gateway = await startGatewayProcess(node.url, fileURLToPath(import.meta.url), gatewayArgs);
  const runs: Record<'without' | 'withInspector', Measurement[]> = { without: [], withInspector: [] };
  try {
    // A first round on both nodes, not counted: the gateway process compiles and warms its caches and its embedded
    // DynamoDB during the first seconds of load, which would otherwise be charged to whichever side runs first
    // (with both networks `off`, the first side measured used 10 % more CPU per request than the second).
    for (const nodeId of [PLAIN_NODE, GUARDED_NODE]) {
      await measure(gateway.url, `/rpc/${nodeId}/${API_KEY}`, call, seconds, concurrency);
    }
    // The inspector's timings start here too: the first calls run before the compiler has optimised it.
    process.kill(gateway.pid, INSPECTOR_TIMES_RESET);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['without', 'withInspector'] as const) : (['withInspector', 'without'] as const);
      for (const which of order) {
        const nodeId = which === 'without' ? PLAIN_NODE : GUARDED_NODE;
        runs[which].push(
          await measure(gateway.url, `/rpc/${nodeId}/${API_KEY}`, call, seconds, concurrency, gateway.cpuSeconds),
        );
      }
    }
  } finally {
    await gateway.stop();
    await node.stop();
  }
  return {
    without: summed(runs.without),
    withInspector: summed(runs.withInspector),
    pairs: runs.without.map((off, i) => [off, runs.withInspector[i] as Measurement] as const),
    inspectorMicros: inspectorMicrosIn(gateway.output()),
  };
}

/** The gateway process's flag for the control: its inspector reads nothing and finds nothing. */
const INSPECT_NOTHING = '--inspect-nothing';
const READ_NOTHING = { decoded: true, to: undefined, findings: [] } as const;

/** Sent to the gateway process: start the inspector's timings afresh. */
const INSPECTOR_TIMES_RESET = 'SIGUSR2';

/** The inspector's mean time per call as the gateway process printed it when it stopped. */
function inspectorMicrosIn(output: string): number {
  const match = /inspector timed: (\d+(?:\.\d+)?) µs over (\d+) calls/.exec(output);
  if (!match || Number(match[2]) === 0) throw new Error(`The gateway process printed no inspector timings: ${output}`);
  return round(Number(match[1]) / Number(match[2]));
}

/** The two sides of one gateway process's runs, compared. */
function comparison({ without, withInspector, pairs }: Awaited<ReturnType<typeof measureGateway>>): GatewayComparison {
  const cost = (off: Measurement, on: Measurement) =>
    round(((cpuMicrosPerRequest(on) - cpuMicrosPerRequest(off)) / cpuMicrosPerRequest(on)) * 100);
  return {
    without,
    with: withInspector,
    throughputRatio: round(withInspector.perSecond / without.perSecond),
    cpuMicrosWithout: cpuMicrosPerRequest(without),
    cpuMicrosWith: cpuMicrosPerRequest(withInspector),
    cost: cost(without, withInspector),
    pairCosts: pairs.map(([off, on]) => cost(off, on)).sort((a, b) => a - b),
  };
}

/** Runs of equal length taken together: total requests and errors, mean rate, median percentiles. */
function summed(runs: readonly Measurement[]): Measurement {
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return {
    requests: runs.reduce((sum, m) => sum + m.requests, 0),
    errors: runs.reduce((sum, m) => sum + m.errors, 0),
    perSecond: Math.round(runs.reduce((sum, m) => sum + m.perSecond, 0) / runs.length),
    p50Ms: median(runs.map((m) => m.p50Ms)),
    p99Ms: median(runs.map((m) => m.p99Ms)),
    cpuSeconds: runs.reduce((sum, m) => sum + (m.cpuSeconds ?? 0), 0),
  };
}

function cpuMicrosPerRequest(m: Measurement): number {
  return Math.round(((m.cpuSeconds ?? 0) / m.requests) * 1e6);
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
  const row = (name: string, m: Measurement, cpuMicros: number) =>
    `  ${name.padEnd(18)} ${String(m.perSecond).padStart(7)} req/s   p50 ${m.p50Ms.toFixed(2).padStart(6)} ms   p99 ${m.p99Ms
      .toFixed(2)
      .padStart(6)} ms   CPU ${cpuMicros} µs/request   (${m.requests} requests, ${m.errors} errors)`;
  const { gateway, control } = figures;
  process.stdout.write(
    [
      `False positives on ${fp.transactions.toLocaleString('en')} realistic transactions: ${fp.flagged} (${(fp.rate * 100).toFixed(2)} %)`,
      'Inspector time per kilobyte of calldata:',
      ...Object.entries(figures.microsPerKilobyte).map(([name, micros]) => `  ${name.padEnd(24)} ${micros} µs/KB`),
      `Gateway eth_sendRawTransaction over HTTP, ${ROUNDS} alternating runs of ${seconds} s each, ${concurrency} concurrent, ${pool} signed transactions, loopback:`,
      row('without inspector', gateway.without, gateway.cpuMicrosWithout),
      row('with inspector', gateway.with, gateway.cpuMicrosWith),
      `  throughput with/without ×${gateway.throughputRatio}; the inspector adds ${gateway.cost} % to the gateway's CPU per request (each pair`,
      `    of adjacent runs: ${gateway.pairCosts.join(', ')} %)`,
      `  control, the same runs with an inspector that reads nothing: throughput ×${control.throughputRatio}, CPU per request ${control.cost} % (each pair:`,
      `    ${control.pairCosts.join(', ')} %): on this machine the method cannot tell apart costs that differ by less than this`,
      `  inside the gateway process, the inspector took ${figures.inspectorMicros} µs per transaction: ${figures.inspectorShare} % of its CPU per request`,
      '    with it (goal < 5 %): its cost measured where it is paid, both figures from one process over the same runs',
      '',
    ].join('\n'),
  );
}

/**
 * The gateway's guard in the bench: network `net_off` is not inspected, `net_block` is; nothing is recorded. Each
 * inspection is timed (two clock reads, well under a microsecond, charged to the inspector): the total and the
 * number of calls are printed when the process stops, and start afresh on `INSPECTOR_TIMES_RESET`.
 */
function guard(nothing: boolean): GatewayPersonalData {
  const inspector = new PersonalDataScanner();
  const inspect = nothing ? () => READ_NOTHING : inspector.inspectRawTransaction.bind(inspector);
  const timed = { micros: 0, calls: 0 };
  inspector.inspectRawTransaction = (raw, patterns) => {
    const started = performance.now();
    try {
      return inspect(raw, patterns);
    } finally {
      timed.micros += (performance.now() - started) * 1000;
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
    modeOf: async (networkId) => (networkId === 'net_off' ? 'off' : 'block'),
    rulesOf: async () => ({ patterns: new PersonalDataScanner().compilePatterns([]), exemptions: [] }),
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
      personalData: guard(process.argv.includes(INSPECT_NOTHING)),
      resolveNode: async (nodeId) => benchNode(nodeUrl, nodeId),
    });
  } else {
    await run(Number(process.argv[2] ?? 1.5), Number(process.argv[3] ?? 32));
  }
}
