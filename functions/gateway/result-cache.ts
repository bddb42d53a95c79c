/**
 * Results that can never change, kept per upstream chain endpoint (docs/architecture.md, "JSON-RPC gateway"):
 *
 * | method | cached when |
 * |---|---|
 * | eth_chainId, net_version | always (a string result) |
 * | eth_getBlockByHash | the block exists (non-null) |
 * | eth_getTransactionByHash | the transaction is mined (`blockHash` not null) |
 * | eth_getTransactionReceipt | the receipt exists (non-null) |
 * | eth_getBlockByNumber with a hex number | QBFT runtimes (besu, ec2, external): the block exists, so it is at or below the head, and QBFT blocks are final. anvil runtime: only a number strictly below a head the gateway has seen |
 *
 * Never cached: block tags (`latest`, `pending`, `safe`, `finalized`, `earliest`), null results (not there yet),
 * errors. Keys normalise hashes to lower case and block numbers to canonical hex. The cache is an LRU (`lru-cache`)
 * bounded by entries and by the characters of the serialised results; a result larger than the whole cache is
 * not kept.
 */
import { LRUCache } from 'lru-cache';
import type { NodeRuntime } from '../../shared/domain/node.ts';
import type { JsonRpcParams } from './json-rpc.ts';

const HASH = /^0x[0-9a-fA-F]{64}$/;
const QUANTITY = /^0x[0-9a-fA-F]{1,64}$/;

export interface ResultCacheOptions {
  /** @default 50_000 */
  readonly maxEntries?: number;
  /** Total characters of serialised results. @default 64 MiB */
  readonly maxBytes?: number;
}

/** The cache key of a call whose result may be final, or undefined when its answer can change. */
export function cacheKeyOf(method: string, params: JsonRpcParams | undefined): string | undefined {
  const list = params === undefined ? [] : Array.isArray(params) ? params : undefined;
  if (!list) return undefined;
  switch (method) {
    case 'eth_chainId':
    case 'net_version':
      return list.length === 0 ? method : undefined;
    case 'eth_getTransactionByHash':
    case 'eth_getTransactionReceipt':
      return list.length === 1 && isHash(list[0]) ? `${method}:${list[0].toLowerCase()}` : undefined;
    case 'eth_getBlockByHash':
      return list.length === 2 && isHash(list[0]) && typeof list[1] === 'boolean'
        ? `${method}:${list[0].toLowerCase()}:${list[1]}`
        : undefined;
    case 'eth_getBlockByNumber': {
      const number = blockNumberParam(list);
      return number !== undefined && typeof list[1] === 'boolean'
        ? `${method}:0x${number.toString(16)}:${list[1]}`
        : undefined;
    }
    default:
      return undefined;
  }
}

/** The block number an `eth_getBlockByNumber` call asks for, when it is a number rather than a tag. */
export function blockNumberParam(params: readonly unknown[]): bigint | undefined {
  const first = params[0];
  return typeof first === 'string' && QUANTITY.test(first) ? BigInt(first) : undefined;
}

export interface FinalityContext {
  readonly runtime: NodeRuntime;
  /** The highest block number seen on this chain; undefined when none has been seen yet. */
  readonly knownHead: bigint | undefined;
}

/** Whether a successful result of a cache candidate (see `cacheKeyOf`) can never change. */
export function isFinalResult(
  method: string,
  params: JsonRpcParams | undefined,
  result: unknown,
  context: FinalityContext,
): boolean {
  if (result === null || result === undefined) return false;
  switch (method) {
    case 'eth_chainId':
    case 'net_version':
      return typeof result === 'string';
    case 'eth_getBlockByHash':
    case 'eth_getTransactionReceipt':
      return typeof result === 'object';
    case 'eth_getTransactionByHash':
      return typeof result === 'object' && typeof (result as { blockHash?: unknown }).blockHash === 'string';
    case 'eth_getBlockByNumber': {
      const number = Array.isArray(params) ? blockNumberParam(params) : undefined;
      if (number === undefined || typeof result !== 'object') return false;
      if (context.runtime !== 'anvil') return true;
      return context.knownHead !== undefined && number < context.knownHead;
    }
    default:
      return false;
  }
}

function isHash(value: unknown): value is string {
  return typeof value === 'string' && HASH.test(value);
}

/** Serialised final results, per upstream endpoint. */
export class ResultCache {
  private readonly lru: LRUCache<string, string>;

  constructor(options: ResultCacheOptions = {}) {
    this.lru = new LRUCache<string, string>({
      max: options.maxEntries ?? 50_000,
      maxSize: options.maxBytes ?? 64 * 1024 * 1024,
      // lru-cache wants a positive size; a serialised result is never empty, but a zero would throw.
      sizeCalculation: (json) => Math.max(1, json.length),
    });
  }

  get(endpoint: string, key: string): string | undefined {
    return this.lru.get(`${endpoint}\u0000${key}`);
  }

  set(endpoint: string, key: string, resultJson: string): void {
    this.lru.set(`${endpoint}\u0000${key}`, resultJson);
  }

  get size(): number {
    return this.lru.size;
  }
}
