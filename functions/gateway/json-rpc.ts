/**
 * JSON-RPC 2.0 (https://www.jsonrpc.org/specification) as the gateway reads and writes it: one body is a single
 * request or a batch; each entry is a call, a notification (no `id` member) or an invalid request that still gets
 * an error answer. Responses are built as strings so a cached result is spliced in without parsing it again.
 */

export type JsonRpcId = string | number | null;
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
    value = JSON.parse(text);
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
  return {
    valid: true,
    call: { method: value.method, params: params as JsonRpcParams | undefined, id: hasId ? id : undefined },
  };
}

/** `error` is one of ours or a node's error object, which is passed on exactly as the node sent it. */
export function errorResponse(id: JsonRpcId, error: JsonRpcError | Readonly<Record<string, unknown>>): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"error":${JSON.stringify(error)}}`;
}

/** `resultJson` is the result already serialised (from the cache or the node). */
export function resultResponse(id: JsonRpcId, resultJson: string): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${resultJson}}`;
}

/** What a node answered for one call, read defensively: anything else is not a JSON-RPC response. */
export type UpstreamResponse =
  | { readonly id: unknown; readonly result: unknown }
  | { readonly id: unknown; readonly error: Record<string, unknown> };

export function readUpstreamResponse(value: unknown): UpstreamResponse | undefined {
  if (!isRecord(value) || !Object.hasOwn(value, 'id')) return undefined;
  if (Object.hasOwn(value, 'error')) {
    const error = value.error;
    if (isRecord(error) && typeof error.code === 'number') return { id: value.id, error };
    return undefined;
  }
  if (Object.hasOwn(value, 'result')) return { id: value.id, result: value.result };
  return undefined;
}

function invalid(id: JsonRpcId, message: string): JsonRpcEntry {
  return { valid: false, id, message };
}

function isId(value: unknown): value is JsonRpcId {
  return value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
