/**
 * Follows the head of each node that has WebSocket subscribers, once per node however many subscribers it has:
 * polls `eth_blockNumber`, reads each new block (and its logs, when a subscriber wants logs) in one JSON-RPC batch,
 * and hands them to the listeners block by block, in order. The same code serves the local WebSocket server and the
 * AWS follower function, over any runtime (anvil, Besu, EC2) without the node's own WebSocket.
 *
 * QBFT blocks are final, so a block is announced once and never taken back. Each block must name the previous one as
 * its parent; when it does not (a node replaced by one on another chain), the follower says so in the log and goes
 * on from the chain the node now serves. A node that keeps failing is reported to its listeners, which close.
 */
import { readUpstreamResponse } from './json-rpc.ts';
import { type RpcTransport, UpstreamProtocolError } from './rpc-transport.ts';

export type ChainObject = Readonly<Record<string, unknown>>;

export interface HeadListener {
  /** Whether this listener needs the logs of each block (fetched only while someone does). */
  readonly wantsLogs: boolean;
  onBlock(block: ChainObject, logs: readonly ChainObject[]): void;
  /** The node failed `failureLimit` polls in a row. */
  onFailure(reason: string): void;
}

interface FollowerLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface HeadFollowerOptions {
  readonly upstream: RpcTransport;
  readonly logger: FollowerLogger;
  /** @default 250 */
  readonly pollIntervalMs?: number;
  /** Polls failed in a row before the listeners are told. @default 20 */
  readonly failureLimit?: number;
  /** Blocks read in one poll when the follower is behind. @default 32 */
  readonly maxBlocksPerPoll?: number;
  /**
   * When following from a given block (`follow`'s `after`) that is more than this many blocks behind the head, the
   * follower starts at the head instead: subscribers are told of what happens now, not of an old backlog.
   * @default no limit
   */
  readonly maxCatchUpBlocks?: number;
}

/** A block already announced: following goes on from the one after it. */
export interface FollowedBlock {
  readonly number: bigint;
  readonly hash: string;
}

interface Follow {
  readonly listeners: Set<HeadListener>;
  lastNumber: bigint | undefined;
  lastHash: string | undefined;
  failures: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  stopped: boolean;
}

export class HeadFollower {
  readonly #follows = new Map<string, Follow>();

  constructor(private readonly options: HeadFollowerOptions) {}

  /**
   * Starts following `rpcUrl` for `listener` (from the next block on, or from the one after `after` when this starts
   * following the node); returns how to stop.
   */
  follow(rpcUrl: string, listener: HeadListener, after?: FollowedBlock): () => void {
    let follow = this.#follows.get(rpcUrl);
    if (!follow) {
      follow = {
        listeners: new Set(),
        lastNumber: after?.number,
        lastHash: after?.hash,
        failures: 0,
        timer: undefined,
        stopped: false,
      };
      this.#follows.set(rpcUrl, follow);
      this.#schedule(rpcUrl, follow, 0);
    }
    follow.listeners.add(listener);
    const current = follow;
    return () => {
      current.listeners.delete(listener);
      if (current.listeners.size === 0) this.#stop(rpcUrl, current);
    };
  }

  /** Nodes followed now (for metrics and tests). */
  get followed(): number {
    return this.#follows.size;
  }

  stopAll(): void {
    for (const [rpcUrl, follow] of this.#follows) this.#stop(rpcUrl, follow);
  }

  #stop(rpcUrl: string, follow: Follow): void {
    follow.stopped = true;
    if (follow.timer) clearTimeout(follow.timer);
    if (this.#follows.get(rpcUrl) === follow) this.#follows.delete(rpcUrl);
  }

  #schedule(rpcUrl: string, follow: Follow, delayMs: number): void {
    if (follow.stopped) return;
    follow.timer = setTimeout(() => {
      this.#poll(rpcUrl, follow)
        .catch((error: unknown) => this.#failed(rpcUrl, follow, error))
        .finally(() => this.#schedule(rpcUrl, follow, this.options.pollIntervalMs ?? 250));
    }, delayMs);
    follow.timer.unref?.();
  }

  async #poll(rpcUrl: string, follow: Follow): Promise<void> {
    const head = quantity(await this.#call(rpcUrl, 'eth_blockNumber', []));
    follow.failures = 0;
    if (follow.lastNumber === undefined) {
      follow.lastNumber = head;
      return;
    }
    if (head <= follow.lastNumber) return;
    const catchUp = this.options.maxCatchUpBlocks;
    if (catchUp !== undefined && head - follow.lastNumber > BigInt(catchUp)) {
      follow.lastNumber = head;
      follow.lastHash = undefined;
      return;
    }
    const to = min(head, follow.lastNumber + BigInt(this.options.maxBlocksPerPoll ?? 32));
    const from = follow.lastNumber + 1n;
    const wantsLogs = [...follow.listeners].some((listener) => listener.wantsLogs);
    const { blocks, logs } = await this.#read(rpcUrl, from, to, wantsLogs);
    for (const block of blocks) {
      if (follow.stopped) return;
      if (follow.lastHash !== undefined && block.parentHash !== follow.lastHash) {
        this.options.logger.warn('a node served a block that does not continue the chain followed so far', {
          number: block.number,
        });
      }
      const own = logs.filter((log) => log.blockHash === block.hash);
      for (const listener of [...follow.listeners]) listener.onBlock(block, own);
      follow.lastNumber = quantity(block.number);
      follow.lastHash = String(block.hash);
    }
  }

  /** Blocks `from`..`to` and (when wanted) their logs, as one batch to the node. */
  async #read(rpcUrl: string, from: bigint, to: bigint, wantsLogs: boolean) {
    const calls: { method: string; params: unknown[] }[] = [];
    for (let n = from; n <= to; n++) calls.push({ method: 'eth_getBlockByNumber', params: [hex(n), false] });
    if (wantsLogs) calls.push({ method: 'eth_getLogs', params: [{ fromBlock: hex(from), toBlock: hex(to) }] });
    const body = JSON.stringify(calls.map((call, i) => ({ jsonrpc: '2.0', id: i + 1, ...call })));
    const answer = await this.options.upstream.post(rpcUrl, body);
    const byId = new Map<number, unknown>();
    for (const value of Array.isArray(answer) ? answer : [answer]) {
      const response = readUpstreamResponse(value);
      if (response && typeof response.id === 'number' && 'result' in response) byId.set(response.id, response.result);
    }
    const blocks: ChainObject[] = [];
    for (let i = 0; i < Number(to - from) + 1; i++) {
      const block = byId.get(i + 1);
      if (!block || typeof block !== 'object')
        throw new UpstreamProtocolError(`the node gave no block ${from + BigInt(i)}`);
      blocks.push(block as ChainObject);
    }
    const logs = wantsLogs ? ((byId.get(calls.length) as ChainObject[] | undefined) ?? []) : [];
    return { blocks, logs };
  }

  async #call(rpcUrl: string, method: string, params: unknown[]): Promise<unknown> {
    const response = readUpstreamResponse(
      await this.options.upstream.post(rpcUrl, JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })),
    );
    if (!response || !('result' in response)) throw new UpstreamProtocolError(`the node did not answer ${method}`);
    return response.result;
  }

  #failed(rpcUrl: string, follow: Follow, error: unknown): void {
    follow.failures++;
    if (follow.failures === 1) this.options.logger.warn('following a node failed', { error });
    if (follow.failures < (this.options.failureLimit ?? 20)) return;
    const reason = error instanceof Error ? error.message : 'the node stopped answering';
    for (const listener of [...follow.listeners]) listener.onFailure(reason);
    this.#stop(rpcUrl, follow);
  }
}

function quantity(value: unknown): bigint {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]+$/.test(value))
    throw new UpstreamProtocolError('the node answered no quantity');
  return BigInt(value);
}

function hex(value: bigint): string {
  return `0x${value.toString(16)}`;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
