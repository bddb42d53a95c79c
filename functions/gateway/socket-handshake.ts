/**
 * Reading the key a WebSocket handshake offers, the same way for the local server and the AWS WebSocket API:
 * `x-api-key`, `Authorization: Bearer`, or one subprotocol offered beside `carechain-jsonrpc` (what browsers can
 * do, since they cannot set headers). A key in the URL is read by each transport (path locally, query in AWS).
 */

/** The subprotocol the gateway speaks; a client offering a key as a subprotocol offers this one too. */
export const JSON_RPC_SUBPROTOCOL = 'carechain-jsonrpc';

/** The subprotocols of a `Sec-WebSocket-Protocol` header, in order. */
export function offeredProtocols(header: string | undefined): string[] {
  return (header ?? '')
    .split(',')
    .map((protocol) => protocol.trim())
    .filter(Boolean);
}

/** The token of an `Authorization: Bearer <token>` header, as the HTTP gateway and both WebSocket transports read it. */
export function bearerToken(header: string | undefined): string | undefined {
  return header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}

/** The key from the handshake's headers (names in lower case), or undefined. */
export function keyFromHandshake(headers: {
  readonly 'x-api-key'?: string | undefined;
  readonly authorization?: string | undefined;
  readonly 'sec-websocket-protocol'?: string | undefined;
}): string | undefined {
  const header = headers['x-api-key'];
  if (header) return header;
  const bearer = bearerToken(headers.authorization);
  if (bearer) return bearer;
  const offered = offeredProtocols(headers['sec-websocket-protocol']).filter(
    (protocol) => protocol !== JSON_RPC_SUBPROTOCOL,
  );
  return offered.length === 1 ? offered[0] : undefined;
}
