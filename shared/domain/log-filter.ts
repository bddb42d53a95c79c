/**
 * Log filters as the Ethereum JSON-RPC specification defines them for `eth_getLogs` and `eth_subscribe("logs")`:
 * `address` is one address or a list (a log from any of them matches); `topics` is a list of positions, each
 * `null` (anything), a topic, or a list of topics (any of them). A log matches when it has at least as many topics
 * as the filter has positions and every position matches (go-ethereum's rule). Used by the gateway's `logs`
 * subscriptions and by webhook endpoints subscribed to `chain.log`.
 */

export interface LogFilter {
  /** Lower-case addresses; empty or absent: any address. */
  readonly address?: readonly string[];
  /** Per position: lower-case topics (any of them), or null for any. */
  readonly topics?: readonly (readonly string[] | null)[];
}

/** The parts of a log (as `eth_getLogs` returns it) a filter looks at. */
export interface FilterableLog {
  readonly address: string;
  readonly topics: readonly string[];
}

export const MAX_FILTER_ADDRESSES = 100;
/** EVM logs carry at most four topics. */
export const MAX_TOPIC_POSITIONS = 4;
export const MAX_TOPICS_PER_POSITION = 100;

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const TOPIC = /^0x[0-9a-fA-F]{64}$/;

export function matchesLogFilter(log: FilterableLog, filter: LogFilter): boolean {
  if (filter.address && filter.address.length > 0 && !filter.address.includes(log.address.toLowerCase())) {
    return false;
  }
  const positions = filter.topics ?? [];
  if (positions.length > log.topics.length) return false;
  return positions.every((wanted, i) => wanted === null || wanted.includes((log.topics[i] as string).toLowerCase()));
}

/** Why a filter as a client wrote it cannot be used, or the filter normalised (lower case, lists everywhere). */
export type ParsedLogFilter = { readonly filter: LogFilter } | { readonly problem: string };

/** Reads `{ address?, topics? }` as JSON-RPC clients send it; anything else in the object is refused. */
export function parseLogFilter(value: unknown): ParsedLogFilter {
  if (value === undefined || value === null) return { filter: {} };
  if (typeof value !== 'object' || Array.isArray(value)) return { problem: 'The filter must be an object' };
  const { address, topics, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return { problem: `Only address and topics can be filtered on, not ${unknown[0]}` };
  const addresses = address === undefined || address === null ? [] : Array.isArray(address) ? address : [address];
  if (addresses.length > MAX_FILTER_ADDRESSES) return { problem: `At most ${MAX_FILTER_ADDRESSES} addresses` };
  if (!addresses.every((entry) => typeof entry === 'string' && ADDRESS.test(entry))) {
    return { problem: 'Each address must be 0x followed by 40 hexadecimal digits' };
  }
  if (topics !== undefined && topics !== null && !Array.isArray(topics)) return { problem: 'topics must be a list' };
  const positions = (topics ?? []) as unknown[];
  if (positions.length > MAX_TOPIC_POSITIONS) return { problem: `At most ${MAX_TOPIC_POSITIONS} topic positions` };
  const parsed: (string[] | null)[] = [];
  for (const position of positions) {
    if (position === null) {
      parsed.push(null);
      continue;
    }
    const options = Array.isArray(position) ? position : [position];
    if (options.length > MAX_TOPICS_PER_POSITION) {
      return { problem: `At most ${MAX_TOPICS_PER_POSITION} topics in one position` };
    }
    if (!options.every((topic) => typeof topic === 'string' && TOPIC.test(topic))) {
      return { problem: 'Each topic must be null or 0x followed by 64 hexadecimal digits' };
    }
    parsed.push(options.length === 0 ? null : (options as string[]).map((topic) => topic.toLowerCase()));
  }
  return {
    filter: {
      ...(addresses.length > 0 && { address: (addresses as string[]).map((entry) => entry.toLowerCase()) }),
      ...(parsed.length > 0 && { topics: parsed }),
    },
  };
}
