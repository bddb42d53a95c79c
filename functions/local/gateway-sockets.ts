/**
 * The gateway's WebSocket JSON-RPC on the local server's port (docs/architecture.md, "Event streams"):
 * `ws://host/rpc/{nodeId}` with the key in the path (`/rpc/{nodeId}/{key}`), in `x-api-key` or
 * `Authorization: Bearer`, or offered as a `Sec-WebSocket-Protocol` beside `carechain-jsonrpc` (browsers cannot set
 * headers; the console offers its live-head ticket that way). The key is admitted at the handshake by the gateway
 * core, so a refusal is the HTTP answer to the upgrade (401, 402, 404, 503; 429 over the plan's connections); an
 * admitted connection is a SocketSession.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { DEFAULT_GATEWAY_PLAN } from '../../shared/domain/plans.ts';
import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import type { GatewayCore } from '../gateway/create-gateway.ts';
import { HeadFollower } from '../gateway/head-follower.ts';
import { JSON_RPC_SUBPROTOCOL, keyFromHandshake } from '../gateway/socket-handshake.ts';
import { SOCKET_CLOSE, SocketLimits, SocketSession } from '../gateway/socket-session.ts';
import { LocalConnectionPush } from './local-connection-push.ts';

export { JSON_RPC_SUBPROTOCOL };

const PATH = /^\/rpc\/([^/]+)(?:\/([^/]+))?\/?$/;
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Unsent notifications a connection may hold before it is closed as too slow. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const RECHECK_MS = 60_000;
const DEFAULT_LIMITS = DEFAULT_GATEWAY_PLAN.webSocket ?? { maxConnectionsPerKey: 20, maxSubscriptionsPerKey: 200 };

export interface GatewaySocketsOptions {
  readonly core: GatewayCore;
  readonly logger: Logger;
  /** How often the follower polls a node's head. @default 250 */
  readonly pollIntervalMs?: number;
  /** How often a connection's key is admitted again. @default 60000 */
  readonly recheckMs?: number;
}

export interface GatewaySockets {
  readonly limits: SocketLimits;
  /** Pushes to and closes connections by id (the ConnectionPush port, as API Gateway does in AWS). */
  readonly push: LocalConnectionPush;
  readonly follower: HeadFollower;
  /** Admits every connection's key again now (what each does every minute); those refused are closed. */
  recheckAll(): Promise<void>;
  /** Closes every connection with 1001 and stops following. */
  close(): Promise<void>;
}

export function attachGatewaySockets(server: Server, options: GatewaySocketsOptions): GatewaySockets {
  const { core } = options;
  const logger = options.logger.child({ component: 'gateway-sockets' });
  const follower = new HeadFollower({ upstream: core.upstream, logger, pollIntervalMs: options.pollIntervalMs });
  const limits = new SocketLimits();
  const push = new LocalConnectionPush();
  const sessions = new Set<{ session: SocketSession; socket: WebSocket }>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: (offered) => (offered.has(JSON_RPC_SUBPROTOCOL) ? JSON_RPC_SUBPROTOCOL : false),
  });

  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const match = PATH.exec(new URL(request.url ?? '/', 'http://gateway').pathname);
    if (!match) return refuse(socket, 404, 'Not Found', 'WebSocket connections are served at /rpc/{nodeId}');
    const nodeId = decoded(match[1] ?? '');
    const keyInPath = match[2] === undefined ? undefined : decoded(match[2]);
    if (nodeId === undefined || (match[2] !== undefined && keyInPath === undefined)) {
      return refuse(socket, 400, 'Bad Request', 'The path holds a malformed percent-escape');
    }
    const secret =
      keyInPath ??
      keyFromHandshake({
        'x-api-key': single(request.headers['x-api-key']),
        authorization: request.headers.authorization,
        'sec-websocket-protocol': request.headers['sec-websocket-protocol'],
      });
    let admitted: Awaited<ReturnType<GatewayCore['admit']>>;
    try {
      admitted = await core.admit(nodeId, secret, true);
    } catch (error) {
      if (error instanceof AppError) return refuse(socket, error.status, error.title, error.message, error.type);
      logger.warn('a WebSocket handshake failed', { error });
      return refuse(socket, 500, 'Internal Server Error', 'The gateway could not admit the connection');
    }
    if (!limits.openConnection(admitted.principal, DEFAULT_LIMITS)) {
      return refuse(socket, 429, 'Too Many Requests', 'The plan’s limit of WebSocket connections for this key');
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      push.add(ws);
      const session = new SocketSession({ core, follower, limits, defaults: DEFAULT_LIMITS }, admitted, secret ?? '', {
        send(text) {
          if (ws.readyState !== ws.OPEN) return;
          if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
            session.close(SOCKET_CLOSE.tooSlow, 'Notifications are not read fast enough');
            return;
          }
          ws.send(text);
        },
        close(code, reason) {
          ws.close(code, reason);
        },
      });
      const entry = { session, socket: ws };
      sessions.add(entry);
      const recheck = setInterval(() => void session.recheck(), options.recheckMs ?? RECHECK_MS);
      recheck.unref();
      ws.on('message', (data, isBinary) => {
        if (isBinary) {
          session.close(1003, 'Send JSON-RPC as text messages');
          return;
        }
        void session.onMessage(data.toString());
      });
      ws.on('close', () => {
        clearInterval(recheck);
        sessions.delete(entry);
        session.close();
      });
      ws.on('error', (error) => logger.debug('a WebSocket connection failed', { error }));
    });
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    upgrade(request, socket, head).catch(() => socket.destroy());
  };
  server.on('upgrade', onUpgrade);

  return {
    limits,
    push,
    follower,
    async recheckAll() {
      await Promise.all([...sessions].map(({ session }) => session.recheck()));
    },
    async close() {
      server.off('upgrade', onUpgrade);
      for (const { session } of sessions) session.close(SOCKET_CLOSE.goingAway, 'The server is stopping');
      follower.stopAll();
      // Connections that do not answer the close handshake in time are cut.
      await new Promise<void>((done) => {
        const timer = setTimeout(() => {
          for (const client of wss.clients) client.terminate();
          done();
        }, 2000);
        timer.unref();
        if (wss.clients.size === 0) {
          clearTimeout(timer);
          done();
          return;
        }
        for (const client of wss.clients) {
          client.once('close', () => {
            if (wss.clients.size === 0) {
              clearTimeout(timer);
              done();
            }
          });
        }
      });
      wss.close();
    },
  };
}

/** Answers the upgrade request with an HTTP problem and closes the socket (nothing is upgraded). */
function refuse(socket: Duplex, status: number, title: string, detail: string, type?: string): void {
  const problemType = type ? `https://carechain.se/problems/${type}` : 'about:blank';
  const body = JSON.stringify({ type: problemType, title, status, detail });
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

/** A path segment decoded, or undefined when its percent-escapes are malformed. */
function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function single(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' ? header : undefined;
}
