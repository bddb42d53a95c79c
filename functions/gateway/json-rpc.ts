/**
 * JSON-RPC 2.0 (https://www.jsonrpc.org/specification) as the gateway reads and writes it: one body is a single
 * request or a batch; each entry is a call, a notification (no `id` member) or an invalid request that still gets
 * an error answer. Responses are built as strings so a cached result is spliced in without parsing it again.
 *
 * Numbers are kept as written (exact-json.ts): an id of `9007199254740993` or `1.0` is answered with that same
 * text, and params reach the node as the client wrote them.
 */
import {
  holdsNumber,
  isLosslessNumber,
  type LosslessNumber,
  parseJson,
  parseJsonOfFewNumbers,
  stringifyJson,
} from './exact-json.ts';

/** A number id that a double would not write back as the same text is a `LosslessNumber` holding its text. */
export type JsonRpcId = string | number | LosslessNumber | null;
export type JsonRpcParams = unknown[] | Record<string, unknown>;

export interface JsonRpcCall {
  readonly method: string;
  readonly params: JsonRpcParams | undefined;
  /** Undefined for a notification, which must not be answered. */
  readonly id: JsonRpcId | undefined;
}

export type JsonRpcEntry =
  | { readonly valid: true; readonly call: JsonRpcCall }
  /** `id` is the request's own id when it had a well-formed one, else null (as the specification asks). */
  | { readonly valid: false; readonly id: JsonRpcId; readonly message: string };

export type JsonRpcBody =
  | { readonly kind: 'parse-error' }
  /** `[]`: answered with one error object, not an empty array. */
  | { readonly kind: 'empty-batch' }
  | { readonly kind: 'single'; readonly entry: JsonRpcEntry }
  | { readonly kind: 'batch'; readonly entries: readonly JsonRpcEntry[] };

export interface JsonRpcError {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

/**
 * The codes the gateway itself answers with. Errors a node returns are passed through unchanged, whatever their
 * code; -32603 from the gateway always carries `data.reason` to tell its causes apart.
 */
export const RPC_ERROR_CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  /** Also for methods the gateway does not offer (blocked namespaces, plan allow-lists): `data.reason`. */
  methodNotFound: -32601,
  invalidParams: -32602,
  /** The node timed out, could not be reached, or answered with something that is not JSON-RPC. */
  internalError: -32603,
} as const;

export function parseJsonRpcBody(text: string): JsonRpcBody {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch {
    // Not JSON: the one case the specification answers with -32700 and a null id.
    return { kind: 'parse-error' };
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? { kind: 'empty-batch' } : { kind: 'batch', entries: value.map(readEntry) };
  }
  return { kind: 'single', entry: readEntry(value) };
}

export function readEntry(value: unknown): JsonRpcEntry {
  if (!isRecord(value)) return invalid(null, 'A request must be a JSON object');
  const hasId = Object.hasOwn(value, 'id');
  const idIsValid = !hasId || isId(value.id);
  const id = hasId && idIsValid ? (value.id as JsonRpcId) : null;
  if (!idIsValid) return invalid(null, 'id must be a string, a number or null');
  if (value.jsonrpc !== '2.0') return invalid(id, 'jsonrpc must be exactly "2.0"');
  if (typeof value.method !== 'string' || value.method.length === 0) return invalid(id, 'method must be a string');
  const params = value.params;
  if (params !== undefined && !Array.isArray(params) && !isRecord(params)) {
    return invalid(id, 'params must be an array or an object');
  }
  if (params !== undefined && nestedDeeperThan(params, MAX_PARAMS_DEPTH)) {
    return invalid(id, `params must not be nested deeper than ${MAX_PARAMS_DEPTH} levels`);
  }
  return {
    valid: true,
    call: { method: value.method, params: params as JsonRpcParams | undefined, id: hasId ? id : undefined },
  };
}

/** `error` is one of ours or a node's error object, which is passed on exactly as the node sent it. */
export function errorResponse(id: JsonRpcId, error: JsonRpcError | Readonly<Record<string, unknown>>): string {
  return `{"jsonrpc":"2.0","id":${idJson(id)},"error":${stringifyJson(error)}}`;
}

/** `resultJson` is the result already serialised (from the cache or the node). */
export function resultResponse(id: JsonRpcId, resultJson: string): string {
  return `{"jsonrpc":"2.0","id":${idJson(id)},"result":${resultJson}}`;
}

function idJson(id: JsonRpcId): string {
  return isLosslessNumber(id) ? id.value : JSON.stringify(id);
}

/** What a node answered for one call, read defensively: anything else is not a JSON-RPC response. */
export type UpstreamResponse =
  | { readonly id: unknown; readonly result: unknown }
  | { readonly id: unknown; readonly error: Record<string, unknown> };

/**
 * A node's HTTP body, parsed, with the numbers of its results and errors kept exactly. Its `id`s are the gateway's
 * own (1..n) and never shown to a client, so only a number elsewhere (an error's `code` always is one) makes the
 * text worth checking; Ethereum results rarely hold any.
 */
export function parseUpstreamBody(text: string): unknown {
  return parseJsonOfFewNumbers(text, (value) => (Array.isArray(value) ? value : [value]).some(holdsNumberBesidesId));
}

function holdsNumberBesidesId(response: unknown): boolean {
  if (!isRecord(response)) return holdsNumber(response);
  for (const key in response) {
    if (key !== 'id' && holdsNumber(response[key])) return true;
  }
  return false;
}

export function readUpstreamResponse(value: unknown): UpstreamResponse | undefined {
  if (!isRecord(value) || !Object.hasOwn(value, 'id')) return undefined;
  // The gateway's own small ids pair answers with calls, also should a node write one back as `1.0`.
  const id = isLosslessNumber(value.id) ? Number(value.id.value) : value.id;
  if (Object.hasOwn(value, 'error')) {
    const error = value.error;
    if (isRecord(error) && (typeof error.code === 'number' || isLosslessNumber(error.code))) return { id, error };
    return undefined;
  }
  if (Object.hasOwn(value, 'result')) return { id, result: value.result };
  return undefined;
}

function invalid(id: JsonRpcId, message: string): JsonRpcEntry {
  return { valid: false, id, message };
}

/**
 * A number id must have a finite value as a double: `1e400` (or a 400-digit integer) is refused as before, as
 * anvil refuses it, since most clients could not even hold it. Any finite one is echoed with its own text.
 */
function isId(value: unknown): value is JsonRpcId {
  if (value === null || typeof value === 'string') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  return isLosslessNumber(value) && Number.isFinite(Number(value.value));
}

/** A JSON object: neither an array nor a number kept as its text. */
/**
 * Ethereum's methods take params a few levels deep (a filter's topics are an array of arrays inside an object);
 * a body nested thousands of levels deep is within the size limit but would exhaust the stack of every
 * serialiser on its way to the node.
 */
const MAX_PARAMS_DEPTH = 32;

/** Whether arrays and objects in `value` nest deeper than `limit`; iterative, and stops at the first too deep. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    if (typeof next.value !== 'object' || next.value === null || isLosslessNumber(next.value)) continue;
    if (next.depth > limit) return true;
    const children = Array.isArray(next.value) ? next.value : Object.values(next.value);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: next.depth + 1 });
    }
  }
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value);
}
