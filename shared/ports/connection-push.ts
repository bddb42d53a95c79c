/**
 * ConnectionPush: sending a message to one open WebSocket connection of the gateway by its id, and closing it, from
 * a process that does not hold the socket. AWS: API Gateway's management API (`PostToConnection`,
 * `DeleteConnection`) for the WebSocket API's connections; locally the connections the server holds in memory.
 */

/** What came of a push: sent, or the connection is gone (closed, or never known) and its record can go too. */
export type PushResult = 'sent' | 'gone';

export interface ConnectionPush {
  /** Sends one text message; 'gone' when the connection no longer exists (API Gateway answers 410). */
  post(connectionId: string, text: string): Promise<PushResult>;
  /** Closes the connection; closing one already gone is not an error. */
  close(connectionId: string): Promise<void>;
}
