/**
 * Event streams under load (`npm run bench -- event-streams`):
 * - WebSocket subscribers one gateway process holds: the gateway runs in its own process (gateway-load.ts with
 *   `--sockets`, in front of an anvil chain sealing a block a second); clients are added in steps up to the target
 *   (BENCH_WS_TARGET, default 5,000), each subscribed to `newHeads`; reported per step: connected, the gateway's
 *   resident memory and memory per connection; then, over a window of blocks, how many clients stayed connected and
 *   received every head, and the notification latency p50/p99 from the block's arrival at the node (a subscriber
 *   connected straight to anvil's own WebSocket, in this process, on the same clock) to its arrival at the clients.
 * - Webhook deliveries per second to a receiver on this machine: events written with their outbox, then recorded
 *   and delivered by the events worker's passes (dynalite, real HTTP, signed), with one endpoint and with eight.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { eventStreamJobs, runEventPass } from '../../functions/jobs/events/event-pass.ts';
import { startAnvil } from '../integration/gateway/gateway-fixture.ts';
import { startTestApi } from '../support/test-api.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';
import { API_KEY, round, startGatewayProcess } from './gateway-load.ts';

const TARGET = Number(process.env.BENCH_WS_TARGET ?? 5_000);
const STEP = Math.max(1, Math.ceil(TARGET / 5));
const WINDOW_BLOCKS = 8;

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface Subscriber {
  readonly socket: WebSocket;
  /** Arrival time (ms, this process's clock) of each head, by block number. */
  readonly heads: Map<number, number>;
  open: boolean;
}

/** Connects to `url`, subscribes to newHeads and resolves once the subscription is confirmed. */
function subscribe(url: string, protocols?: string[]): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols);
    const subscriber: Subscriber = { socket, heads: new Map(), open: false };
    const timer = setTimeout(() => reject(new Error('no subscription within 30 s')), 30_000);
    socket.once('open', () => {
      subscriber.open = true;
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }));
    });
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw));
      if (message.id === 1) {
        clearTimeout(timer);
        if (message.error) reject(new Error(JSON.stringify(message.error)));
        else resolve(subscriber);
        return;
      }
      const number = message.params?.result?.number;
      if (number) subscriber.heads.set(Number(number), performance.now());
    });
    socket.once('close', () => {
      subscriber.open = false;
      clearTimeout(timer);
      reject(new Error('closed before subscribing'));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function waitForBlocks(reference: Subscriber, count: number): Promise<number[]> {
  const start = Math.max(0, ...reference.heads.keys());
  while (Math.max(0, ...reference.heads.keys()) < start + count) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Array.from({ length: count }, (_, i) => start + 1 + i);
}

async function webSocketSubscribers(): Promise<void> {
  const anvil = await startAnvil();
  const gateway = await startGatewayProcess(anvil.url, undefined, ['--sockets']);
  const clients: Subscriber[] = [];
  try {
    const reference = await subscribe(anvil.url.replace(/^http/, 'ws'));
    const gatewayUrl = `${gateway.url.replace(/^http/, 'ws')}/rpc/node_bench/${API_KEY}`;
    const base = rssMiB(gateway.pid);
    process.stdout.write(
      `WebSocket newHeads subscribers, gateway in its own process (pid ${gateway.pid}), target ${TARGET}; ` +
        `file descriptors allowed per process: ${readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+(\d+)/)?.[1]}\n` +
        `  gateway RSS before: ${round(base)} MiB\n`,
    );
    let refused = 0;
    for (let step = STEP; step <= TARGET; step += STEP) {
      const started = performance.now();
      while (clients.length + refused < step) {
        const batch = Math.min(100, step - clients.length - refused);
        const results = await Promise.allSettled(Array.from({ length: batch }, () => subscribe(gatewayUrl)));
        for (const result of results) {
          if (result.status === 'fulfilled') clients.push(result.value);
          else refused++;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const rss = rssMiB(gateway.pid);
      const connected = clients.filter((c) => c.open).length;
      process.stdout.write(
        `  ${String(step).padStart(5)} asked: ${connected} connected, ${refused} refused, ` +
          `opened in ${round((performance.now() - started) / 1000)} s, gateway RSS ${round(rss)} MiB, ` +
          `${round(((rss - base) * 1024) / Math.max(1, connected))} KiB per connection\n`,
      );
    }
    const window = await waitForBlocks(reference, WINDOW_BLOCKS);
    // Time for the window's last head to reach every client (it takes seconds at thousands of clients).
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const latencies: number[] = [];
    let complete = 0;
    for (const client of clients) {
      let all = client.open;
      for (const block of window) {
        const at = client.heads.get(block);
        const atNode = reference.heads.get(block);
        if (at === undefined || atNode === undefined) {
          all = false;
          continue;
        }
        latencies.push(at - atNode);
      }
      if (all) complete++;
    }
    latencies.sort((a, b) => a - b);
    const open = clients.filter((c) => c.open).length;
    process.stdout.write(
      `  over ${WINDOW_BLOCKS} blocks (${window[0]}–${window[window.length - 1]}): ${open} of ${clients.length} ` +
        `clients still connected, ${complete} with every head; node → client latency p50 ${round(percentile(latencies, 50))} ms, ` +
        `p99 ${round(percentile(latencies, 99))} ms, max ${round(latencies[latencies.length - 1] ?? Number.NaN)} ms ` +
        `(${latencies.length} notifications; the gateway polls the node's head every 250 ms)\n`,
    );
    reference.socket.close();
  } finally {
    for (const client of clients) client.socket.terminate();
    await gateway.stop();
    await anvil.stop();
  }
}

async function webhookDeliveries(): Promise<void> {
  const api = await startTestApi();
  const receiver = await startWebhookReceiver();
  try {
    const owner = await api.signup('Bench Owner');
    const orgId = (await api.createOrg(owner.token, 'Bench Apotek')).id;
    const network = await api.createNetwork();
    const node = await api.call('POST', `/v1/orgs/${orgId}/nodes`, {
      token: owner.token,
      body: { networkId: network.id, hosting: 'self-hosted' },
    });
    const jobs = eventStreamJobs({
      ...{ events: api.stores.events, webhooks: api.stores.webhooks, networks: api.stores.networks },
      ...{ nodes: api.stores.nodes, cursors: api.stores.chainLogCursors, consentCursors: api.stores.consentCursors },
      members: api.stores.governance,
      wantsEvents: (org) => api.stores.webhooks.orgHasEndpoints(org),
      sender: api.webhookSender,
      clock: () => new Date(),
      logger: { info() {}, warn() {}, debug() {}, error() {} } as never,
    });
    process.stdout.write('Webhook deliveries to a receiver on this machine (record + sign + POST + delivery log)\n');
    let endpoints = 0;
    for (const [wanted, events] of [
      [1, 400],
      [8, 200],
    ] as const) {
      while (endpoints < wanted) {
        const created = await api.call('POST', `/v1/orgs/${orgId}/webhooks`, {
          token: owner.token,
          body: { url: receiver.url(`/hook-${endpoints}`), eventTypes: ['node.health_changed'] },
        });
        if (created.status !== 201) throw new Error(created.text);
        endpoints++;
      }
      const before = receiver.received.length;
      for (let i = 0; i < events; i++) {
        const current = await api.stores.nodes.get(orgId, node.json.id);
        if (!current) throw new Error('node gone');
        await api.stores.nodes.annotate(current, { health: i % 2 === 0 ? 'degraded' : 'healthy' });
      }
      const expected = events * endpoints;
      const started = performance.now();
      while (receiver.received.length - before < expected) {
        const pass = await runEventPass(jobs);
        if (pass.recorded === 0 && pass.delivered === 0 && pass.failed === 0) break;
      }
      const seconds = (performance.now() - started) / 1000;
      const delivered = receiver.received.length - before;
      process.stdout.write(
        `  ${endpoints} endpoint(s), ${events} events: ${delivered} of ${expected} delivered in ${round(seconds)} s = ` +
          `${round(delivered / seconds)} deliveries/s\n`,
      );
    }
  } finally {
    await receiver.close();
    await api.close();
  }
}

export async function run(): Promise<void> {
  await webSocketSubscribers();
  await webhookDeliveries();
}
