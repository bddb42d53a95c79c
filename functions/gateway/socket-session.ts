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
import { AppError, PaymentRequiredError, UnauthorizedError } from '../../shared/errors.ts';
import type { Admitted, GatewayCore, GatewayPrincipal } from './create-gateway.ts';
import type { ChainObject, HeadFollower, HeadListener } from './head-follower.ts';
import { errorResponse, type JsonRpcCall, RPC_ERROR_CODES } from './json-rpc.ts';
import {
  answerSocketMessage,
  type CallOutcome,
  callFailure,
  callResult,
  SUBSCRIPTION_LIMIT_ERROR,
} from './socket-messages.ts';
import { headerOf, newSubscriptionId, notificationsFor, type Subscription } from './subscriptions.ts';

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
    const { answer, refused } = await answerSocketMessage(text, this.deps.core, this.admitted, {
      subscribe: (call, request) => this.#subscribe(call, request),
      unsubscribe: (call, subscriptionId) => this.#unsubscribe(call, subscriptionId),
    });
    // A client that keeps sending over the rate limit is disconnected.
    this.#refusals = refused ? this.#refusals + 1 : 0;
    if (this.#refusals >= REFUSALS_BEFORE_CLOSE) {
      const { plan } = this.admitted.principal;
      this.close(
        SOCKET_CLOSE.rateLimited,
        `Rate limit of plan ${plan.id} exceeded (${plan.requestsPerSecond}/s, burst ${plan.burst})`,
      );
    }
    return answer;
  }

  #subscribe(call: JsonRpcCall, request: { kind: Subscription['kind']; filter?: Subscription['filter'] }): CallOutcome {
    if (!this.deps.limits.addSubscription(this.admitted.principal, this.deps.defaults)) {
      return callFailure(call, SUBSCRIPTION_LIMIT_ERROR);
    }
    const subscription: Subscription = { id: newSubscriptionId(), kind: request.kind, filter: request.filter };
    this.#subscriptions.set(subscription.id, subscription);
    this.#startFollowing();
    return callResult(call, subscription.id);
  }

  #unsubscribe(call: JsonRpcCall, subscriptionId: string): CallOutcome {
    const removed = this.#subscriptions.delete(subscriptionId);
    if (removed) this.deps.limits.removeSubscriptions(this.admitted.principal.keyId, 1);
    if (this.#subscriptions.size === 0) this.#stopFollowing();
    return callResult(call, removed);
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
