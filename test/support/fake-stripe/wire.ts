/**
 * Stripe's wire format for the fake Stripe server: form-encoded parameters (`metadata[k]=v`,
 * `line_items[0][price]=…`, `lookup_keys[]=…`) parsed to nested values, JSON answers, and errors in Stripe's shape
 * (`{ error: { type, message, param, code } }`), including `resource_missing`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Json = Record<string, unknown>;

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: Json,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(error.message));
  }
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

export function invalid(message: string, param?: string): StripeApiError {
  return new StripeApiError(400, { type: 'invalid_request_error', message, ...(param && { param }) });
}

/** The object named in the path does not exist (404). */
export function missing(kind: string, id: string, param: string): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${kind}: '${id}'`,
    param,
  });
}

/** An object a parameter refers to does not exist (400, as Stripe answers for references in a request body). */
export function missingReference(kind: string, id: string, param: string): StripeApiError {
  return new StripeApiError(400, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${kind}: '${id}'`,
    param,
  });
}

/** Stripe refuses parameters an endpoint does not take, e.g. a price's amount on update (prices are immutable). */
export function refuseUnknown(params: Json, allowed: readonly string[]): void {
  const unknown = Object.keys(params).find((key) => !allowed.includes(key));
  if (unknown) throw invalid(`Received unknown parameter: ${unknown}`, unknown);
}

export function send(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req'), ...headers });
  res.end(JSON.stringify(body));
}

export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function asObject(value: unknown): Json {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

export function asArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object') return Object.values(value);
  return value === undefined ? [] : [value];
}

/** A form boolean: Stripe's clients send `true`/`false` as strings. */
export function asBoolean(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  return value === true || value === 'true';
}

/** Metadata as Stripe merges it on update: a key sent empty is removed. */
export function mergeMetadata(current: unknown, update: unknown): Json {
  const merged: Json = { ...asObject(current) };
  for (const [key, value] of Object.entries(asObject(update))) {
    if (value === '') delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/** A list answer in Stripe's shape (everything on one page). */
export function list(url: string, data: Json[]): Json {
  return { object: 'list', data, has_more: false, url };
}

export function quantityParam(value: unknown): number {
  const quantity = Number(value ?? 1);
  if (!Number.isSafeInteger(quantity) || quantity < 0) throw invalid('Invalid non-negative integer', 'quantity');
  return quantity;
}

/**
 * Stripe's form encoding to nested values: `a[b]=1` → `{ a: { b: '1' } }`, `a[0][b]=1` and `a[]=1` → arrays.
 */
export function parseForm(encoded: string): Json {
  const root: Json = {};
  for (const [key, value] of new URLSearchParams(encoded)) {
    const segments = key.match(/^[^[]+|\[[^\]]*\]/g)?.map((s) => s.replace(/^\[|\]$/g, '')) ?? [key];
    let node: Json = root;
    segments.forEach((segment, i) => {
      const name = segment === '' ? String(Object.keys(node).length) : segment;
      if (i === segments.length - 1) {
        node[name] = value;
        return;
      }
      node[name] ??= {};
      node = node[name] as Json;
    });
  }
  return arraysFromIndexedObjects(root) as Json;
}

function arraysFromIndexedObjects(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Json).map(([k, v]) => [k, arraysFromIndexedObjects(v)] as const);
  const indexed = entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k));
  if (indexed) return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v);
  return Object.fromEntries(entries);
}
