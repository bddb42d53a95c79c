/**
 * What the local server does with the unread rest of a request's body when it answers before reading it to the
 * end: an oversized body refused with 413 (the API's body limit, the gateway's size-checking reader), or any other
 * refusal that did not need the body. Either way a pooled keep-alive client must not lose its next request.
 *
 * RFC 9112 §9.6 leaves the server two ways: read and discard the rest, or answer `Connection: close`.
 * - Discard, and keep the connection, is the default: it is what Node does with a body nobody read, and the client
 *   goes on using its connection. @hono/node-server bounds the discard (64 MiB, 500 ms) and closes the socket past
 *   either bound, while the client is still sending the refused body.
 * - Close, for a declared body larger than `DISCARD_LIMIT_BYTES` that has not fully arrived: discarding it could
 *   outlast that bound, and a client that has handed its whole body to its socket may already have pooled the
 *   connection for its next request. The answer says `Connection: close`, so no client reuses it, and the server
 *   closes in stages as §9.6 advises: its side first, then reading on until the client closes or `LINGER_MS`
 *   passes. Closing at once would reset the connection under a client still sending, which can then fail the
 *   request before it reads the 413.
 *
 * Why the discard failed before (the socket was destroyed after a 413 announced as keep-alive): once the app has
 * begun reading a body, the body is a web stream over the Node request, and that stream pauses the request
 * whenever its own queue is full. Nobody reads it after a refusal, so each discarded chunk paused the request
 * again; node-server's discard stalled and, 500 ms later, destroyed the socket, failing the next request on it.
 *
 * Only the local server needs this. In AWS the client's connection ends at API Gateway, which receives the whole
 * request before the function runs (HTTP API payloads are limited to 10 MB, Lambda invocations to 6 MB; larger
 * bodies never reach the function), so the function's own 413 leaves nothing unread on the client's connection.
 */
import type { IncomingMessage } from 'node:http';
import type { HttpBindings } from '@hono/node-server';

/** Unread declared body beyond which the connection is closed rather than discarded (~0.3 s at 100 Mbit/s). */
export const DISCARD_LIMIT_BYTES = 4 * 1024 * 1024;
/** How long a closing connection is still read, for the client to take in the answer before the socket goes. */
const LINGER_MS = 2_000;

/**
 * Called with the Node server's bindings once the answer is ready: arranges what happens to an unread body after
 * the answer is written, and says whether the answer must end its connection.
 */
export function settleUnreadBody(env: unknown): 'keep-alive' | 'close' {
  const { incoming, outgoing } = (env ?? {}) as Partial<HttpBindings>;
  if (!incoming || !outgoing || incoming.readableEnded) return 'keep-alive';
  // `complete` is set by Node's parser once the whole message has arrived, whether or not it was read.
  const declared = Number(incoming.headers['content-length'] ?? 0);
  if (!incoming.complete && declared > DISCARD_LIMIT_BYTES) {
    closeInStages(incoming);
    return 'close';
  }
  outgoing.once('finish', () => discardRest(incoming));
  return 'keep-alive';
}

function discardRest(incoming: IncomingMessage): void {
  if (incoming.readableEnded || incoming.destroyed) return;
  // The app's abandoned reader (the web stream) is the only 'data' listener left, and nothing reads from it now
  // that the answer is written: detached, it no longer pauses the request, and the body flows to its end. Node's
  // own discard of an unread body does the same (IncomingMessage#_dump).
  incoming.removeAllListeners('data');
  incoming.resume();
}

/**
 * Node ends a connection whose answer says `close` with `socket.destroySoon()`: its side ends, then the socket is
 * destroyed as soon as that is flushed, while the client may still be sending. For this socket, the end waits for
 * the client instead (were Node ever to end it another way, it would simply close at once, as it did before).
 */
function closeInStages(incoming: IncomingMessage): void {
  const socket = incoming.socket;
  let closing = false;
  socket.destroySoon = () => {
    if (closing) return;
    closing = true;
    socket.end();
    discardRest(incoming);
    const deadline = setTimeout(() => socket.destroy(), LINGER_MS);
    deadline.unref();
    socket.once('end', () => socket.destroy());
    socket.once('close', () => clearTimeout(deadline));
  };
}
