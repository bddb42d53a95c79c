/**
 * `ConnectionPush` over the WebSocket connections the local server holds (gateway-sockets.ts): each accepted socket
 * gets an id, as API Gateway gives its connections one, so code written against the port (pushing to a connection
 * by id, closing it) runs the same way locally. A socket no longer open is 'gone', as API Gateway answers 410.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { ConnectionPush, PushResult } from '../../shared/ports/connection-push.ts';

export class LocalConnectionPush implements ConnectionPush {
  readonly #sockets = new Map<string, WebSocket>();

  /** Registers an accepted socket; it is forgotten when it closes. */
  add(socket: WebSocket): string {
    const connectionId = randomUUID();
    this.#sockets.set(connectionId, socket);
    socket.once('close', () => this.#sockets.delete(connectionId));
    return connectionId;
  }

  async post(connectionId: string, text: string): Promise<PushResult> {
    const socket = this.#sockets.get(connectionId);
    if (!socket || socket.readyState !== socket.OPEN) return 'gone';
    socket.send(text);
    return 'sent';
  }

  async close(connectionId: string): Promise<void> {
    this.#sockets.get(connectionId)?.close(1000, 'Closed by the server');
  }
}
