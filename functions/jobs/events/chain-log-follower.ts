/**
 * Follows the logs of every network a webhook endpoint watches (`chain.log`), from a persisted cursor, through a
 * node the platform runs (docs/architecture.md, "Event streams").
 *
 * Each pass reads the blocks after the cursor (headers and `eth_getLogs`), checks that they chain onto the block
 * before (every block names the previous one's hash as its parent, starting with the hash the cursor kept, and
 * every log names its block's hash), and moves the cursor past the logs with one conditional write that also holds
 * their `chain.log` events, one per organisation an endpoint of which matches. QBFT seals final blocks, so there are
 * no reorganisations to undo: a broken hash chain means the node answering is not on the chain the cursor followed
 * (a replacement still syncing another chain, a misconfiguration), and the cursor then stays where it is. A node
 * behind the cursor (a replacement catching up) is waited for: the cursor never moves back. A restart, a crash or a
 * node replacement therefore neither loses nor repeats a log.
 *
 * What is read and which events a log makes is a `LogStream`: `chainLogStream` (every contract, one `chain.log`
 * event per organisation whose filter matches) here, the consent ledger's in consent-event-stream.ts. Each stream
 * keeps its own cursors, so each moves at its own pace.
 */
import type { JsonRpcProvider } from 'ethers';
import { chainLogEventId, type OutboxEntry, outboxFor, type PlatformEvent } from '../../../shared/domain/events.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { endpointWants, type WebhookEndpoint } from '../../../shared/domain/webhooks.ts';
import { PlatformError } from '../../../shared/errors.ts';
import type { ChainLogCursor, ChainLogCursorsRepository } from '../../../shared/store/chain-log-cursors.repository.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import { ConditionFailedError } from '../../../shared/store/table.ts';
import type { WebhooksRepository } from '../../../shared/store/webhooks.repository.ts';
import { servingEndpoints, withProvider } from '../../services/governance/chain-endpoints.ts';

/** The chain a node answers with does not continue the chain the cursor followed. */
export class ChainContinuityError extends PlatformError {}

interface FollowerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ChainLogFollowerDeps {
  readonly webhooks: WebhooksRepository;
  /** Every endpoint; the event pass shares one listing among its jobs. @default `webhooks.listAll()` each pass */
  readonly listEndpoints?: () => Promise<WebhookEndpoint[]>;
  readonly networks: NetworksRepository;
  readonly nodes: NodesRepository;
  readonly cursors: ChainLogCursorsRepository;
  readonly logger: FollowerLogger;
  /** Blocks read per request. @default 200 */
  readonly blocksPerRange?: number;
  /** Ranges read per network per pass. @default 10 */
  readonly rangesPerPass?: number;
  /**
   * Events one cursor write carries. The cursor takes no more until the recorder has moved them out, so its item
   * stays far below DynamoDB's 400 KB, and stamping them stays one short conditional write. @default 40
   */
  readonly eventsPerWrite?: number;
}

export interface BlockHeader {
  readonly number: number;
  readonly hash: string;
  readonly parentHash: string;
  readonly timestamp: number;
}

export interface RawLog {
  readonly address: string;
  readonly topics: readonly string[];
  readonly data: string;
  readonly blockNumber: string;
  readonly blockHash: string;
  readonly transactionHash: string;
  readonly transactionIndex: string;
  readonly logIndex: string;
}

/** What one stream of logs reads and which events its logs make. */
export interface LogStream {
  /** The contract whose logs it reads on a network (undefined: every contract), or false to leave the network be. */
  source(network: Network): { readonly address: string | undefined } | false;
  /** The endpoints that want events of this stream on the network; with none, the cursor just keeps up. */
  endpointsOn(network: Network, endpoints: readonly WebhookEndpoint[]): WebhookEndpoint[];
  /** The outbox entries of each log, in the order of `logs`. */
  eventsOf(read: LogsRead): Promise<OutboxEntry[][]>;
}

export interface LogsRead {
  readonly network: Network;
  readonly logs: readonly RawLog[];
  /** Block timestamps (Unix seconds) by block number. */
  readonly timestamps: ReadonlyMap<number, number>;
  readonly endpoints: readonly WebhookEndpoint[];
  readonly provider: JsonRpcProvider;
}

export interface FollowReport {
  readonly networks: number;
  readonly events: number;
}

export class ChainLogFollower {
  #running: Promise<FollowReport> | undefined;

  constructor(
    private readonly deps: ChainLogFollowerDeps,
    private readonly stream: LogStream = chainLogStream,
  ) {}

  runOnce(): Promise<FollowReport> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #pass(): Promise<FollowReport> {
    const all = await (this.deps.listEndpoints?.() ?? this.deps.webhooks.listAll());
    let events = 0;
    let networks = 0;
    for (const network of await this.deps.networks.list()) {
      if (!this.stream.source(network)) continue;
      const endpoints = this.stream.endpointsOn(network, all);
      const cursor = await this.deps.cursors.get(network.id);
      if (!cursor && endpoints.length === 0) continue;
      networks++;
      try {
        events += await this.follow(network, cursor, endpoints);
      } catch (error) {
        const fields = { networkId: network.id, error };
        const message = 'chain logs of a network could not be read; the cursor stays where it was';
        if (error instanceof ChainContinuityError) this.deps.logger.error(message, fields);
        else this.deps.logger.warn(message, fields);
      }
    }
    return { networks, events };
  }

  /** Reads what is new on one network; returns how many events it recorded. */
  async follow(network: Network, read: ChainLogCursor | undefined, endpoints: readonly WebhookEndpoint[]) {
    const endpoint = servingEndpoints(await this.deps.nodes.listByNetwork(network.id), network.chainId)[0];
    if (!endpoint) return 0;
    return withProvider(endpoint, async (provider) => {
      const head = Number(await provider.send('eth_blockNumber', []));
      if (!read || endpoints.length === 0) {
        // Nobody watches logs sealed before now: start (or, with no endpoint left, keep up) at the head.
        const [top] = await headers(provider, head, head);
        const position = { block: head + 1, logIndex: 0, parentHash: (top as BlockHeader).hash };
        if (!read) await this.deps.cursors.start(network.id, position);
        else if (read.block <= head) await this.deps.cursors.advance(read, position, []);
        return 0;
      }
      // Events of the last write still wait in the cursor's outbox: the recorder moves them out first.
      if (read.waiting > 0) return 0;
      let cursor = read;
      let recorded = 0;
      const perRange = Math.max(1, this.deps.blocksPerRange ?? 200);
      for (let range = 0; range < (this.deps.rangesPerPass ?? 10) && cursor.block <= head; range++) {
        const to = Math.min(head, cursor.block + perRange - 1);
        const blocks = await headers(provider, cursor.block, to);
        checkContinuity(network.id, cursor, blocks);
        const source = this.stream.source(network);
        const logs = await logsOf(provider, cursor, to, blocks, source ? source.address : undefined);
        const moved = await this.#record({ network, cursor, blocks, logs, endpoints, provider });
        if (!moved) return recorded;
        cursor = moved.cursor;
        recorded += moved.events;
        if (moved.events > 0) return recorded;
      }
      return recorded;
    });
  }

  /** Moves the cursor past `logs` (to the end of `blocks`), a bounded number of events per write. */
  async #record(read: {
    readonly network: Network;
    readonly cursor: ChainLogCursor;
    readonly blocks: readonly BlockHeader[];
    readonly logs: readonly RawLog[];
    readonly endpoints: readonly WebhookEndpoint[];
    readonly provider: JsonRpcProvider;
  }): Promise<{ cursor: ChainLogCursor; events: number } | undefined> {
    const { blocks, logs } = read;
    const timestamps = new Map(blocks.map((block) => [block.number, block.timestamp]));
    const hashes = new Map(blocks.map((block) => [block.number, block.hash]));
    const limit = Math.max(1, this.deps.eventsPerWrite ?? 40);
    const perLog = logs.length > 0 ? await this.stream.eventsOf({ ...read, timestamps }) : [];
    let cursor = read.cursor;
    let pending: OutboxEntry[] = [];
    let events = 0;
    const write = async (position: Pick<ChainLogCursor, 'block' | 'logIndex' | 'parentHash'>) => {
      try {
        cursor = await this.deps.cursors.advance(cursor, position, pending);
      } catch (error) {
        if (error instanceof ConditionFailedError) return false; // another follower moved it: it reads these logs
        throw error;
      }
      events += pending.length;
      pending = [];
      return true;
    };
    for (const [i, log] of logs.entries()) {
      const block = Number(log.blockNumber);
      const logIndex = Number(log.logIndex);
      pending.push(...(perLog[i] ?? []));
      if (pending.length >= limit) {
        // The cursor stops after this log; the rest of the range is read again once these are recorded.
        const parentHash = block === cursor.block ? cursor.parentHash : (hashes.get(block - 1) as string);
        if (!(await write({ block, logIndex: logIndex + 1, parentHash }))) return undefined;
        return { cursor, events };
      }
    }
    const last = blocks[blocks.length - 1] as BlockHeader;
    if (!(await write({ block: last.number + 1, logIndex: 0, parentHash: last.hash }))) return undefined;
    return { cursor, events };
  }
}

/** `chain.log`: every contract's logs, one event per organisation with an endpoint whose filter matches. */
export const chainLogStream: LogStream = {
  source: () => ({ address: undefined }),
  endpointsOn: (network, endpoints) =>
    endpoints.filter(
      (endpoint) => endpoint.eventTypes.includes('chain.log') && endpoint.chainLog?.networkId === network.id,
    ),
  eventsOf: async ({ network, logs, timestamps, endpoints }) =>
    logs.map((log) =>
      chainLogEvents(network, log, new Date((timestamps.get(Number(log.blockNumber)) ?? 0) * 1000), endpoints),
    ),
};

/** One `chain.log` event per organisation with an endpoint that wants this log. */
function chainLogEvents(network: Network, log: RawLog, at: Date, endpoints: readonly WebhookEndpoint[]): OutboxEntry[] {
  const logIndex = Number(log.logIndex);
  const data = {
    networkId: network.id,
    chainId: network.chainId,
    address: log.address.toLowerCase(),
    topics: log.topics.map((topic) => topic.toLowerCase()),
    data: log.data,
    blockNumber: Number(log.blockNumber),
    blockHash: log.blockHash,
    transactionHash: log.transactionHash,
    transactionIndex: Number(log.transactionIndex),
    logIndex,
  };
  const id = chainLogEventId(network.id, log.blockHash, logIndex);
  const orgs = new Set<string>();
  for (const endpoint of endpoints) {
    const candidate: PlatformEvent = {
      id,
      type: 'chain.log',
      createdAt: at.toISOString(),
      orgId: endpoint.orgId,
      data,
    };
    if (!orgs.has(endpoint.orgId) && endpointWants(endpoint, candidate)) orgs.add(endpoint.orgId);
  }
  return outboxFor(
    [...orgs].sort().map((orgId) => ({ id, type: 'chain.log', createdAt: at.toISOString(), orgId, data })),
  );
}

async function headers(provider: JsonRpcProvider, from: number, to: number): Promise<BlockHeader[]> {
  const numbers = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  // Requests made together go to the node as one JSON-RPC batch.
  const blocks = await Promise.all(
    numbers.map((n) => provider.send('eth_getBlockByNumber', [`0x${n.toString(16)}`, false])),
  );
  return blocks.map((block: Record<string, string> | null, i) => {
    if (!block) throw new PlatformError(`The node has no block ${numbers[i]} although its head is past it`);
    return {
      number: Number(block.number),
      hash: String(block.hash).toLowerCase(),
      parentHash: String(block.parentHash).toLowerCase(),
      timestamp: Number(block.timestamp),
    };
  });
}

/** Every block names the one before it as its parent, starting with the block the cursor's hash is of. */
function checkContinuity(networkId: string, cursor: ChainLogCursor, blocks: readonly BlockHeader[]): void {
  let parent = cursor.parentHash.toLowerCase();
  for (const block of blocks) {
    if (block.parentHash !== parent) {
      throw new ChainContinuityError(
        `Block ${block.number} of network ${networkId} names parent ${block.parentHash}, not ${parent}: the node is ` +
          'not on the chain the log cursor followed',
      );
    }
    parent = block.hash;
  }
}

/** The logs of the range not read yet, in chain order, each checked against its block's hash. */
async function logsOf(
  provider: JsonRpcProvider,
  cursor: ChainLogCursor,
  to: number,
  blocks: readonly BlockHeader[],
  address: string | undefined,
): Promise<RawLog[]> {
  const hashes = new Map(blocks.map((block) => [block.number, block.hash]));
  const range = { fromBlock: `0x${cursor.block.toString(16)}`, toBlock: `0x${to.toString(16)}` };
  const raw = (await provider.send('eth_getLogs', [address ? { ...range, address } : range])) as RawLog[];
  const position = (log: RawLog) => [Number(log.blockNumber), Number(log.logIndex)] as const;
  for (const log of raw) {
    if (hashes.get(Number(log.blockNumber)) !== log.blockHash.toLowerCase()) {
      throw new ChainContinuityError(`A log of block ${Number(log.blockNumber)} names another block's hash`);
    }
  }
  return raw
    .filter((log) => {
      const [block, index] = position(log);
      return block > cursor.block || index >= cursor.logIndex;
    })
    .sort((a, b) => position(a)[0] - position(b)[0] || position(a)[1] - position(b)[1]);
}
