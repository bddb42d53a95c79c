/**
 * `eth_subscribe` and `eth_unsubscribe` as the Ethereum JSON-RPC specification (and go-ethereum) define them for
 * WebSocket clients: `["newHeads"]` notifies each new block's header, `["logs", {address?, topics?}]` each log a
 * filter matches; a notification is `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":id,
 * "result":…}}`. Shared by the local WebSocket server and the AWS WebSocket functions.
 */
import { randomBytes } from 'node:crypto';
import { type LogFilter, matchesLogFilter, parseLogFilter } from '../../shared/domain/log-filter.ts';
import { stringifyJson } from './exact-json.ts';
import { type JsonRpcError, type JsonRpcParams, RPC_ERROR_CODES } from './json-rpc.ts';

export const SUBSCRIBE = 'eth_subscribe';
export const UNSUBSCRIBE = 'eth_unsubscribe';
export const SUBSCRIPTION_KINDS = ['newHeads', 'logs'] as const;
export type SubscriptionKind = (typeof SUBSCRIPTION_KINDS)[number];

export interface Subscription {
  readonly id: string;
  readonly kind: SubscriptionKind;
  /** For `logs`: what to match; `{}` matches every log. */
  readonly filter?: LogFilter;
}

/** Infura's and Alchemy's code for "limit exceeded", used for the rate limit and the subscription limit. */
export const LIMIT_EXCEEDED = -32005;

export function isSubscriptionMethod(method: string): boolean {
  return method === SUBSCRIBE || method === UNSUBSCRIBE;
}

/** A new subscription id: 16 random bytes as a quantity, as go-ethereum makes them. */
export function newSubscriptionId(): string {
  return `0x${randomBytes(16).toString('hex')}`;
}

export type SubscribeRequest =
  | { readonly ok: true; readonly kind: SubscriptionKind; readonly filter?: LogFilter }
  | { readonly ok: false; readonly error: JsonRpcError };

const invalid = (message: string): SubscribeRequest => ({
  ok: false,
  error: { code: RPC_ERROR_CODES.invalidParams, message },
});

/** Reads `eth_subscribe`'s params; `newPendingTransactions` and `syncing` are not offered. */
export function readSubscribeParams(params: JsonRpcParams | undefined): SubscribeRequest {
  if (!Array.isArray(params) || params.length === 0 || typeof params[0] !== 'string') {
    return invalid('eth_subscribe takes ["newHeads"] or ["logs", {address?, topics?}]');
  }
  const [kind, filter, ...rest] = params;
  if (kind === 'newHeads') return params.length === 1 ? { ok: true, kind } : invalid('newHeads takes no filter');
  if (kind !== 'logs') {
    return invalid(`Subscriptions offered: ${SUBSCRIPTION_KINDS.join(', ')} (not ${String(kind).slice(0, 40)})`);
  }
  if (rest.length > 0) return invalid('logs takes one filter object');
  const parsed = parseLogFilter(filter);
  return 'problem' in parsed ? invalid(parsed.problem) : { ok: true, kind, filter: parsed.filter };
}

/** The subscription id `eth_unsubscribe` names, or undefined when its params are not one id. */
export function readUnsubscribeParams(params: JsonRpcParams | undefined): string | undefined {
  return Array.isArray(params) && params.length === 1 && typeof params[0] === 'string' ? params[0] : undefined;
}

/** A block as `newHeads` notifies it: the header fields, without the transaction list. */
export function headerOf(block: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { transactions: _transactions, uncles: _uncles, size: _size, totalDifficulty: _td, ...header } = block;
  return header;
}

/** What one subscription is sent for a new block and its logs, as notification texts (possibly none). */
export function notificationsFor(
  subscription: Subscription,
  header: Readonly<Record<string, unknown>>,
  logs: readonly Readonly<Record<string, unknown>>[],
): string[] {
  if (subscription.kind === 'newHeads') return [notification(subscription.id, header)];
  const filter = subscription.filter ?? {};
  return logs
    .filter((log) => matchesLogFilter({ address: String(log.address), topics: log.topics as string[] }, filter))
    .map((log) => notification(subscription.id, { ...log, removed: false }));
}

export function notification(subscriptionId: string, result: unknown): string {
  return `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"${subscriptionId}","result":${stringifyJson(result)}}}`;
}
