/**
 * What CareChain meters and how much a JSON-RPC call weighs (docs/architecture.md, "Metering"). Pure data and arithmetic:
 * the usage meter, the gateway, the rollup and billing all read the same tables from here.
 *
 * Every amount is a non-negative integer in the meter's `recordedIn` unit, so sums are exact however records are
 * added up; billing divides by `perBillingUnit` once, at the end.
 */

import type { NodeSize } from './node.ts';

export const METERS = [
  'rpc_compute_units',
  'rpc_requests',
  'api_requests',
  'signatures',
  'node_hours',
  'node_hours_small',
  'node_hours_medium',
  'node_hours_large',
] as const;
export type Meter = (typeof METERS)[number];

export interface MeterDefinition {
  readonly description: string;
  /** The unit a bill shows. */
  readonly billingUnit: string;
  /** The integer unit records are kept in. */
  readonly recordedIn: string;
  /** How many recorded units make one billing unit. */
  readonly perBillingUnit: number;
}

export const METER_DEFINITIONS: Readonly<Record<Meter, MeterDefinition>> = {
  rpc_compute_units: {
    description: 'Compute units of successful JSON-RPC calls served through the gateway (see RPC_COMPUTE_UNITS)',
    billingUnit: 'compute unit',
    recordedIn: 'compute unit',
    perBillingUnit: 1,
  },
  rpc_requests: {
    description: 'Successful JSON-RPC calls served through the gateway; a batch counts each call',
    billingUnit: 'call',
    recordedIn: 'call',
    perBillingUnit: 1,
  },
  api_requests: {
    description: 'Requests to the tenant API (/v1) that were answered with a 2xx status',
    billingUnit: 'request',
    recordedIn: 'request',
    perBillingUnit: 1,
  },
  signatures: {
    description: 'Signatures made with an organisation’s signing keys (transactions, messages, typed data)',
    billingUnit: 'signature',
    recordedIn: 'signature',
    perBillingUnit: 1,
  },
  node_hours: {
    description: 'Time managed nodes were provisioned, recorded in node-seconds so partial hours add up exactly',
    billingUnit: 'node-hour',
    recordedIn: 'node-second',
    perBillingUnit: 3600,
  },
  ...nodeHoursOfSize('small'),
  ...nodeHoursOfSize('medium'),
  ...nodeHoursOfSize('large'),
};

/** The same time split by node size, as plans price nodes per size. */
function nodeHoursOfSize<S extends NodeSize>(size: S): Record<`node_hours_${S}`, MeterDefinition> {
  return {
    [`node_hours_${size}`]: {
      description: `Time ${size} managed nodes were provisioned, in node-seconds (part of node_hours)`,
      billingUnit: 'node-hour',
      recordedIn: 'node-second',
      perBillingUnit: 3600,
    },
  } as Record<`node_hours_${S}`, MeterDefinition>;
}

/** The per-size meter of a node's time. */
export function nodeHoursMeter(size: NodeSize): Meter {
  return `node_hours_${size}`;
}

export function isMeter(value: string): value is Meter {
  return (METERS as readonly string[]).includes(value);
}

/** The method name of a subscription's notifications; each one is metered like a call of this weight. */
export const SUBSCRIPTION_NOTIFICATION = 'eth_subscription';

/**
 * Compute units per JSON-RPC method: roughly what a call costs the node (CPU, state reads, bandwidth). Reads of
 * one value are cheap; calls that execute EVM code or scan logs are dearer; submitting a transaction is the
 * dearest, since every validator executes it.
 *
 * | weight | methods |
 * |---|---|
 * | 1 | eth_chainId, net_version, net_listening, net_peerCount, web3_clientVersion, web3_sha3, eth_syncing, eth_protocolVersion |
 * | 5 | eth_blockNumber, eth_gasPrice, eth_maxPriorityFeePerGas, eth_blobBaseFee, eth_accounts, eth_coinbase, eth_mining, eth_hashrate, eth_uninstallFilter, eth_unsubscribe |
 * | 10 | eth_subscribe, each `eth_subscription` notification a WebSocket subscription receives (a block header, a log), eth_getBalance, eth_getTransactionCount, eth_getCode, eth_getStorageAt, eth_getBlockTransactionCountBy*, eth_getUncleCountBy* |
 * | 15 | eth_getBlockByNumber, eth_getBlockByHash, eth_getTransactionByHash, eth_getTransactionBy*AndIndex, eth_getTransactionReceipt, eth_getUncleBy*AndIndex, eth_feeHistory |
 * | 25 | eth_call, eth_getProof |
 * | 50 | eth_estimateGas, eth_getLogs, eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter, eth_getFilterChanges, eth_getFilterLogs |
 * | 100 | eth_getBlockReceipts, eth_createAccessList |
 * | 250 | eth_sendRawTransaction |
 * | 20 | any other method the policy lets through (DEFAULT_COMPUTE_UNITS) |
 */
export const RPC_COMPUTE_UNITS: Readonly<Record<string, number>> = {
  eth_chainId: 1,
  net_version: 1,
  net_listening: 1,
  net_peerCount: 1,
  web3_clientVersion: 1,
  web3_sha3: 1,
  eth_syncing: 1,
  eth_protocolVersion: 1,

  eth_blockNumber: 5,
  eth_gasPrice: 5,
  eth_maxPriorityFeePerGas: 5,
  eth_blobBaseFee: 5,
  eth_accounts: 5,
  eth_coinbase: 5,
  eth_mining: 5,
  eth_hashrate: 5,
  eth_uninstallFilter: 5,
  eth_unsubscribe: 5,

  eth_subscribe: 10,
  [SUBSCRIPTION_NOTIFICATION]: 10,
  eth_getBalance: 10,
  eth_getTransactionCount: 10,
  eth_getCode: 10,
  eth_getStorageAt: 10,
  eth_getBlockTransactionCountByHash: 10,
  eth_getBlockTransactionCountByNumber: 10,
  eth_getUncleCountByBlockHash: 10,
  eth_getUncleCountByBlockNumber: 10,

  eth_getBlockByNumber: 15,
  eth_getBlockByHash: 15,
  eth_getTransactionByHash: 15,
  eth_getTransactionByBlockHashAndIndex: 15,
  eth_getTransactionByBlockNumberAndIndex: 15,
  eth_getTransactionReceipt: 15,
  eth_getUncleByBlockHashAndIndex: 15,
  eth_getUncleByBlockNumberAndIndex: 15,
  eth_feeHistory: 15,

  eth_call: 25,
  eth_getProof: 25,

  eth_estimateGas: 50,
  eth_getLogs: 50,
  eth_newFilter: 50,
  eth_newBlockFilter: 50,
  eth_newPendingTransactionFilter: 50,
  eth_getFilterChanges: 50,
  eth_getFilterLogs: 50,

  eth_getBlockReceipts: 100,
  eth_createAccessList: 100,

  eth_sendRawTransaction: 250,
};

/** Weight of an allowed method the table does not list. */
export const DEFAULT_COMPUTE_UNITS = 20;

/**
 * A call answered from the gateway's cache (or merged with an identical call already on its way to the node)
 * costs a quarter of its weight, rounded up, and at least 1: the node did no work, the gateway some.
 */
export const CACHE_HIT_DIVISOR = 4;

/** How a call was answered: by the node, by the gateway's cache, or with an error (which is never charged). */
export type CallOutcome = 'upstream' | 'cache' | 'error';

export function computeUnits(method: string, outcome: CallOutcome): number {
  if (outcome === 'error') return 0;
  const weight = RPC_COMPUTE_UNITS[method] ?? DEFAULT_COMPUTE_UNITS;
  return outcome === 'cache' ? Math.max(1, Math.ceil(weight / CACHE_HIT_DIVISOR)) : weight;
}

/** How a usage series buckets its hours: one point per hour, or per UTC day. */
export const USAGE_GRANULARITIES = ['hour', 'day'] as const;
export type UsageGranularity = (typeof USAGE_GRANULARITIES)[number];

/**
 * The UTC hour an instant falls in, as the ISO 8601 string usage is keyed by: `2026-11-24T20:00Z`. Lexical order
 * is time order, so key ranges are time ranges.
 */
export function hourOf(at: Date): string {
  return `${at.toISOString().slice(0, 13)}:00Z`;
}

/** The UTC day of an hour key (`2026-11-24`). */
export function dayOfHour(hour: string): string {
  return hour.slice(0, 10);
}

const HOUR_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:00Z$/;

export function isHourKey(value: string): boolean {
  return HOUR_KEY.test(value) && !Number.isNaN(Date.parse(value));
}

/** The keys of every hour that overlaps the half-open interval [from, to), oldest first. */
export function hoursBetween(from: Date, to: Date): string[] {
  const hours: string[] = [];
  const start = Date.parse(hourOf(from));
  for (let t = start; t < to.getTime(); t += 3_600_000) hours.push(hourOf(new Date(t)));
  return hours;
}

/**
 * One immutable usage record: what one flusher counted for one organisation, meter and hour in one flush.
 * Records are only ever created (never updated), so a retried write cannot count twice.
 */
export interface UsageRecord {
  readonly orgId: string;
  readonly meter: Meter;
  /** The hour the counted work was served in (`hourOf`). */
  readonly hour: string;
  /** Identifies the process that counted; unique per running meter, so two processes never share a key. */
  readonly flusherId: string;
  /** The flush of that process the record belongs to; increases by one each flush. */
  readonly sequence: number;
  readonly amount: number;
  /**
   * True on the first record a flusher writes for an (organisation, hour): only those go to the hour's index,
   * which keeps the rollup's discovery of active organisations small.
   */
  readonly announcesHour: boolean;
}

/** The sum of an hour's usage records for one organisation and meter; recomputable, so rewriting it is safe. */
export interface UsageRollup {
  readonly orgId: string;
  readonly meter: Meter;
  readonly hour: string;
  readonly total: number;
  /** How many usage records were summed. */
  readonly records: number;
  readonly computedAt: string;
}
