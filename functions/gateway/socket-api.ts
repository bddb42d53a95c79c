/**
 * The gateway's WebSocket JSON-RPC as API Gateway's WebSocket API carries it (docs/architecture.md, "Event streams
 * in AWS"), transport-free: API Gateway holds the sockets and calls a function per event, so what a connection is
 * (its key, node and subscriptions) lives in the table between events.
 *
 * - `$connect`: the key is admitted by the gateway core exactly as the local server admits it at the handshake
 *   (query string `key`, `x-api-key`, `Authorization: Bearer`, or a `Sec-WebSocket-Protocol` beside
 *   `carechain-jsonrpc`); refusals are the handshake's HTTP status. The plan's connections per key are counted in
 *   the table (not per process), and the subprotocol is answered when one was offered.
 * - `$default`: each message is admitted again from the connection's record (a revoked key or a suspended
 *   organisation is refused and the connection closed) and answered by the same core and socket-messages.ts as
 *   the local server's, with `eth_subscribe` / `eth_unsubscribe` kept on the connection's record.
 * - `$disconnect`: the record goes and the key's counts are given back.
 */
import { DEFAULT_GATEWAY_PLAN } from '../../shared/domain/plans.ts';
import { AppError, NotFoundError, TooManyRequestsError } from '../../shared/errors.ts';
import type { ConnectionPush } from '../../shared/ports/connection-push.ts';
import type {
  SocketConnection,
  SocketConnectionsRepository,
} from '../../shared/store/socket-connections.repository.ts';
import type { Admitted, GatewayCore } from './create-gateway.ts';
import { type StoredCredential, storedCredential } from './gateway-wiring.ts';
import { errorResponse, RPC_ERROR_CODES } from './json-rpc.ts';
import { JSON_RPC_SUBPROTOCOL, keyFromHandshake, offeredProtocols } from './socket-handshake.ts';
import {
  answerSocketMessage,
  callFailure,
  callResult,
  SUBSCRIPTION_LIMIT_ERROR,
  type SubscriptionHandler,
} from './socket-messages.ts';
import { newSubscriptionId } from './subscriptions.ts';

export const DEFAULT_SOCKET_LIMITS = DEFAULT_GATEWAY_PLAN.webSocket ?? {
  maxConnectionsPerKey: 20,
  maxSubscriptionsPerKey: 200,
};

/** A connection's handshake, as API Gateway hands it to `$connect`. */
export interface SocketHandshake {
  readonly connectionId: string;
  /** Query string parameters (`nodeId`, `key`); API Gateway's WebSocket URLs carry no path of their own. */
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface SocketApiDeps {
  /** Admits the credential a client offers at the handshake. */
  readonly core: GatewayCore;
  /** Admits a connection again from its record's `<kind>:<hash>` (gateway-wiring.ts, storedCredentialDeps). */
  readonly storedCore: GatewayCore;
  readonly connections: SocketConnectionsRepository;
  /** Closes connections whose key no longer admits them. */
  readonly push: ConnectionPush;
  readonly clock: () => Date;
}

export type ConnectAnswer =
  | { readonly accepted: true; readonly protocol: string | undefined }
  | { readonly accepted: false; readonly error: AppError };

/** Why a connection is being closed, as a JSON-RPC error sent before API Gateway closes it. */
export function closingNotice(message: string): string {
  return errorResponse(null, { code: RPC_ERROR_CODES.internalError, message, data: { reason: 'closed' } });
}

/** The stored form `<kind>:<hash>` the stored core admits. */
export const storedSecret = (credential: StoredCredential) => `${credential.kind}:${credential.hash}`;

export class SocketApi {
  constructor(private readonly deps: SocketApiDeps) {}

  async connect(handshake: SocketHandshake): Promise<ConnectAnswer> {
    const offered = offeredProtocols(handshake.headers['sec-websocket-protocol']);
    const secret = handshake.query.key ?? keyFromHandshake(handshake.headers);
    const nodeId = handshake.query.nodeId ?? '';
    let admitted: Admitted;
    try {
      if (!nodeId) throw new NotFoundError('Name the node: wss://…?nodeId={nodeId}');
      admitted = await this.deps.core.admit(nodeId, secret, true);
    } catch (error) {
      if (error instanceof AppError) return { accepted: false, error };
      throw error;
    }
    const { principal } = admitted;
    const opened = await this.deps.connections.open(
      {
        connectionId: handshake.connectionId,
        orgId: principal.orgId,
        keyId: principal.keyId,
        nodeId,
        credential: storedCredential(secret ?? ''),
        connectedAt: this.deps.clock().toISOString(),
      },
      principal.plan.webSocket?.maxConnectionsPerKey ?? DEFAULT_SOCKET_LIMITS.maxConnectionsPerKey,
    );
    if (!opened) {
      const error = new TooManyRequestsError('The plan’s limit of WebSocket connections for this key', 60);
      return { accepted: false, error };
    }
    return { accepted: true, protocol: offered.includes(JSON_RPC_SUBPROTOCOL) ? JSON_RPC_SUBPROTOCOL : undefined };
  }

  async disconnect(connectionId: string): Promise<void> {
    await this.deps.connections.close(connectionId);
  }

  /** The answer to one message (undefined for notifications only); a connection no longer admitted is closed. */
  async message(connectionId: string, text: string): Promise<string | undefined> {
    const connection = await this.deps.connections.find(connectionId);
    if (!connection) return this.#refuse(connectionId, 'The connection is not known; connect again');
    let admitted: Admitted;
    try {
      admitted = await this.deps.storedCore.admit(connection.nodeId, storedSecret(connection.credential));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      await this.deps.connections.close(connectionId);
      return this.#refuse(connectionId, error.message);
    }
    const handler = this.#subscriptions(connection, admitted);
    const { answer } = await answerSocketMessage(text, this.deps.storedCore, admitted, handler);
    return answer;
  }

  #subscriptions(connection: SocketConnection, { principal }: Admitted): SubscriptionHandler {
    const { connections } = this.deps;
    const max = principal.plan.webSocket?.maxSubscriptionsPerKey ?? DEFAULT_SOCKET_LIMITS.maxSubscriptionsPerKey;
    return {
      async subscribe(call, request) {
        const id = newSubscriptionId();
        const subscription = { kind: request.kind, ...(request.filter && { filter: request.filter }) };
        const added = await connections.subscribe(connection, id, subscription, max);
        if (added === 'limit') return callFailure(call, SUBSCRIPTION_LIMIT_ERROR);
        if (added === 'gone') {
          return callFailure(call, { code: RPC_ERROR_CODES.internalError, message: 'The connection is closing' });
        }
        return callResult(call, id);
      },
      async unsubscribe(call, subscriptionId) {
        return callResult(call, await connections.unsubscribe(connection, subscriptionId));
      },
    };
  }

  /**
   * Tells the client why, then closes the connection (API Gateway's close frame carries no code of ours, so the
   * reason comes as a JSON-RPC error first); nothing is left to answer.
   */
  async #refuse(connectionId: string, message: string): Promise<undefined> {
    await this.deps.push.post(connectionId, closingNotice(message));
    await this.deps.push.close(connectionId);
    return undefined;
  }
}
