/**
 * One WebSocket connection to the gateway, whatever carries it (the local server's `ws`, docs/architecture.md,
 * "Event streams"): each message is a JSON-RPC body answered through the same core as HTTP (admission was done at
 * the handshake; the token bucket, the method policy, the dispatcher and metering are shared), plus `eth_subscribe`
 * and `eth_unsubscribe` for `newHeads` and `logs`, fed by the head follower. Every notification is metered.
 *
 * The key is checked again every minute: a key revoked or an organisation suspended while connected closes the
 * connection with its close code (SOCKET_CLOSE).
 */
import { RPC_COMPUTE_UNITS, SUBSCRIPTION_NOTIFICATION } from '../../shared/domain/metering.ts';
import { AppError, PaymentRequiredError, TooManyRequestsError, UnauthorizedError } from '../../shared/errors.ts';
import type { MeteredCall } from './compute-units.ts';
import type { Admitted, GatewayCore, GatewayPrincipal } from './create-gateway.ts';
import type { ChainObject, HeadFollower, HeadListener } from './head-follower.ts';
import {
  errorResponse,
  type JsonRpcCall,
  type JsonRpcEntry,
  parseJsonRpcBody,
  RPC_ERROR_CODES,
  resultResponse,
} from './json-rpc.ts';
import { inPlan } from './method-policy.ts';
import {
  headerOf,
  isSubscriptionMethod,
  LIMIT_EXCEEDED,
  newSubscriptionId,
  notificationsFor,
  readSubscribeParams,
  readUnsubscribeParams,
  SUBSCRIBE,
  type Subscription,
} from './subscriptions.ts';

/**
 * Close codes of the gateway's WebSocket (4000–4999 are the application's, RFC 6455 §7.4.2). Refusals at the
 * handshake are HTTP answers instead (401, 402, 404, 429, 503), as the upgrade request is an HTTP request.
 */
export const SOCKET_CLOSE = {
  /** The server is stopping (RFC 6455 "going away"): connect again. */
  goingAway: 1001,
  /** The client does not read notifications as fast as they come. */
  tooSlow: 1008,
  /** The key was revoked, or the console's ticket expired, while connected. */
  unauthorized: 4001,
  /** Billing suspended the organisation while connected. */
  suspended: 4002,
  /** The node is no longer the key's to reach (removed, or stopped serving). */
  nodeGone: 4004,
  /** Messages kept coming over the plan's rate limit after refusals. */
  rateLimited: 4029,
  /** The node stopped answering: the follower gave up on it. */
  nodeFailure: 4500,
} as const;

/** Consecutive refused messages (rate limit) after which the connection is closed. */
const REFUSALS_BEFORE_CLOSE = 50;
/** A close reason is at most 123 bytes (RFC 6455 §5.5). */
const closeReason = (text: string) => Buffer.from(text).subarray(0, 120).toString('utf8');

export interface SocketPeer {
  send(text: string): void;
  close(code: number, reason: string): void;
}

/** Connections and subscriptions held per key, in this process, against the plan's limits. */
export class SocketLimits {
  readonly #connections = new Map<string, number>();
  readonly #subscriptions = new Map<string, number>();

  /** Counts a connection in; false (nothing counted) when the key holds its plan's maximum already. */
  openConnection(principal: GatewayPrincipal, defaults: { maxConnectionsPerKey: number }): boolean {
    const held = this.#connections.get(principal.keyId) ?? 0;
    const max = principal.plan.webSocket?.maxConnectionsPerKey ?? defaults.maxConnectionsPerKey;
    if (held >= max) return false;
    this.#connections.set(principal.keyId, held + 1);
    return true;
  }

  closeConnection(keyId: string): void {
    bump(this.#connections, keyId, -1);
  }

  addSubscription(principal: GatewayPrincipal, defaults: { maxSubscriptionsPerKey: number }): boolean {
    const held = this.#subscriptions.get(principal.keyId) ?? 0;
    if (held >= (principal.plan.webSocket?.maxSubscriptionsPerKey ?? defaults.maxSubscriptionsPerKey)) return false;
    this.#subscriptions.set(principal.keyId, held + 1);
    return true;
  }

  removeSubscriptions(keyId: string, count: number): void {
    bump(this.#subscriptions, keyId, -count);
  }

  get connections(): number {
    let total = 0;
    for (const count of this.#connections.values()) total += count;
    return total;
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}

export interface SocketSessionDeps {
  readonly core: GatewayCore;
  readonly follower: HeadFollower;
  readonly limits: SocketLimits;
  readonly defaults: { readonly maxConnectionsPerKey: number; readonly maxSubscriptionsPerKey: number };
}

export class SocketSession {
  readonly #subscriptions = new Map<string, Subscription>();
  #unfollow: (() => void) | undefined;
  #refusals = 0;
  #closed = false;

  constructor(
    private readonly deps: SocketSessionDeps,
    private admitted: Admitted,
    /** The key or ticket the connection was admitted with, to admit it again. */
    private readonly secret: string,
    private readonly peer: SocketPeer,
  ) {}

  get subscriptions(): number {
    return this.#subscriptions.size;
  }

  /** Answers one message (a JSON-RPC request or batch); never throws. */
  async onMessage(text: string): Promise<void> {
    try {
      const answer = await this.#answer(text);
      if (answer !== undefined && !this.#closed) this.peer.send(answer);
    } catch (error) {
      this.deps.core.logger.warn('a WebSocket message could not be answered', { error });
      const failure = { code: RPC_ERROR_CODES.internalError, message: 'Internal error', data: { reason: 'gateway' } };
      if (!this.#closed) this.peer.send(errorResponse(null, failure));
    }
  }

  /** Admits the key again (revoked, suspended, node gone?) and closes with the matching code when it fails. */
  async recheck(): Promise<void> {
    try {
      this.admitted = await this.deps.core.admit(this.admitted.nodeId, this.secret);
    } catch (error) {
      if (!(error instanceof AppError)) return; // a store hiccup: try again at the next check
      if (error instanceof UnauthorizedError) this.close(SOCKET_CLOSE.unauthorized, error.message);
      else if (error instanceof PaymentRequiredError) this.close(SOCKET_CLOSE.suspended, error.message);
      else this.close(SOCKET_CLOSE.nodeGone, error.message);
    }
  }

  /** Ends the session (the transport closed, or the server did): subscriptions and counts are released. */
  close(code?: number, reason?: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unfollow?.();
    this.#unfollow = undefined;
    this.deps.limits.removeSubscriptions(this.admitted.principal.keyId, this.#subscriptions.size);
    this.#subscriptions.clear();
    this.deps.limits.closeConnection(this.admitted.principal.keyId);
    if (code !== undefined) this.peer.close(code, closeReason(reason ?? ''));
  }

  async #answer(text: string): Promise<string | undefined> {
    const { core } = this.deps;
    const { principal } = this.admitted;
    const body = parseJsonRpcBody(text);
    const entries = body.kind === 'batch' ? body.entries : body.kind === 'single' ? [body.entry] : [];
    const tooBig = entries.length > principal.plan.maxBatchSize;
    if (!this.#admitted(entries.length)) return this.#refused(body.kind === 'batch', entries);
    if (entries.length === 0 || tooBig || !entries.some(isSubscriptionEntry)) {
      const { payload, answers } = await core.answer(body, this.admitted);
      core.meter(principal, answers);
      return payload;
    }
    const responses: (string | undefined)[] = [];
    const forwarded: { index: number; entry: JsonRpcEntry }[] = [];
    const metered: MeteredCall[] = [];
    entries.forEach((entry, index) => {
      if (!isSubscriptionEntry(entry)) {
        forwarded.push({ index, entry });
        return;
      }
      const { response, ok } = this.#subscriptionCall(entry.call);
      responses[index] = response;
      metered.push({ method: entry.call.method, outcome: ok ? 'upstream' : 'error' });
    });
    if (forwarded.length > 0) {
      const answers = await core.dispatch(
        forwarded.map((f) => f.entry),
        this.admitted,
      );
      answers.forEach((answer, i) => {
        responses[(forwarded[i] as { index: number }).index] = answer.response;
      });
      metered.push(...answers);
    }
    core.meter(principal, metered);
    const given = responses.filter((response): response is string => response !== undefined);
    if (given.length === 0) return undefined;
    return body.kind === 'batch' ? `[${given.join(',')}]` : given[0];
  }

  /** The token bucket, as for HTTP; a client that keeps sending over it is disconnected. */
  #admitted(calls: number): boolean {
    try {
      this.deps.core.take(this.admitted.principal, Math.max(1, calls));
      this.#refusals = 0;
      return true;
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
      if (++this.#refusals >= REFUSALS_BEFORE_CLOSE) this.close(SOCKET_CLOSE.rateLimited, error.message);
      return false;
    }
  }

  /** The rate limit's refusal, answered to each call under its own id (none for notifications). */
  #refused(batch: boolean, entries: readonly JsonRpcEntry[]): string | undefined {
    const { plan } = this.admitted.principal;
    const error = {
      code: LIMIT_EXCEEDED,
      message: `Rate limit of plan ${plan.id} exceeded (${plan.requestsPerSecond}/s, burst ${plan.burst})`,
    };
    const answers = entries.flatMap((entry) => {
      if (!entry.valid) return [errorResponse(entry.id, error)];
      return entry.call.id === undefined ? [] : [errorResponse(entry.call.id, error)];
    });
    if (entries.length === 0 || answers.length === 0)
      return entries.length === 0 ? errorResponse(null, error) : undefined;
    return batch ? `[${answers.join(',')}]` : answers[0];
  }

  #subscriptionCall(call: JsonRpcCall): { response: string | undefined; ok: boolean } {
    const id = call.id;
    const reply = (result: unknown) => ({
      response: id === undefined ? undefined : resultResponse(id, JSON.stringify(result)),
      ok: true,
    });
    const fail = (error: { code: number; message: string; data?: unknown }) => ({
      response: id === undefined ? undefined : errorResponse(id, error),
      ok: false,
    });
    const { principal } = this.admitted;
    if (!inPlan(call.method, principal.plan.allowedMethods)) {
      return fail({
        code: RPC_ERROR_CODES.methodNotFound,
        message: `The method ${call.method} is not available`,
        data: { reason: 'not-in-plan' },
      });
    }
    if (call.method !== SUBSCRIBE) {
      const subscriptionId = readUnsubscribeParams(call.params);
      if (subscriptionId === undefined) {
        return fail({ code: RPC_ERROR_CODES.invalidParams, message: 'eth_unsubscribe takes [subscriptionId]' });
      }
      const removed = this.#subscriptions.delete(subscriptionId);
      if (removed) this.deps.limits.removeSubscriptions(principal.keyId, 1);
      if (this.#subscriptions.size === 0) this.#stopFollowing();
      return reply(removed);
    }
    const request = readSubscribeParams(call.params);
    if (!request.ok) return fail(request.error);
    if (!this.deps.limits.addSubscription(principal, this.deps.defaults)) {
      return fail({ code: LIMIT_EXCEEDED, message: 'The plan’s limit of subscriptions for this key is reached' });
    }
    const subscription: Subscription = { id: newSubscriptionId(), kind: request.kind, filter: request.filter };
    this.#subscriptions.set(subscription.id, subscription);
    this.#startFollowing();
    return reply(subscription.id);
  }

  #startFollowing(): void {
    if (this.#unfollow) return;
    const session = this;
    const listener: HeadListener = {
      get wantsLogs() {
        for (const subscription of session.#subscriptions.values()) if (subscription.kind === 'logs') return true;
        return false;
      },
      onBlock: (block, logs) => this.#notify(block, logs),
      onFailure: (reason) => this.close(SOCKET_CLOSE.nodeFailure, `The node stopped answering: ${reason}`),
    };
    this.#unfollow = this.deps.follower.follow(this.admitted.node.rpcUrl, listener);
  }

  #stopFollowing(): void {
    this.#unfollow?.();
    this.#unfollow = undefined;
  }

  #notify(block: ChainObject, logs: readonly ChainObject[]): void {
    if (this.#closed) return;
    const header = headerOf(block);
    let sent = 0;
    for (const subscription of this.#subscriptions.values()) {
      for (const text of notificationsFor(subscription, header, logs)) {
        this.peer.send(text);
        sent++;
      }
    }
    const units = sent * (RPC_COMPUTE_UNITS[SUBSCRIPTION_NOTIFICATION] ?? 10);
    this.deps.core.meterComputeUnits(this.admitted.principal.orgId, units);
  }
}

function isSubscriptionEntry(entry: JsonRpcEntry): entry is JsonRpcEntry & { valid: true } {
  return entry.valid && isSubscriptionMethod(entry.call.method);
}
