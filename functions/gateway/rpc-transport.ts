/**
 * How the gateway reaches nodes (`RpcTransport`), and the failures it sorts every exchange into: "took too long",
 * "could not be reached" and "answered with something that is not JSON", which the gateway turns into JSON-RPC
 * errors. Two transports: `RpcUpstream` (upstream.ts: undici pools of keep-alive connections, for request-time
 * traffic) and `HttpUpstream` (http-upstream.ts: Node's own HTTP client, for the scheduled follower, whose bundle then
 * carries no HTTP client).
 */
import { UpstreamError } from '../../shared/errors.ts';
import { parseUpstreamBody } from './json-rpc.ts';

/** The gateway's deadline for one exchange with a node, whichever transport carries it. */
export const UPSTREAM_TIMEOUT_MS = 10_000;

export interface RpcTransport {
  /** POSTs a JSON-RPC body and returns the parsed JSON answer, its numbers kept exactly (`parseUpstreamBody`). */
  post(rpcUrl: string, body: string): Promise<unknown>;
  close(): Promise<void>;
}

export class UpstreamTimeoutError extends UpstreamError {}
export class UpstreamUnreachableError extends UpstreamError {}
export class UpstreamProtocolError extends UpstreamError {}

/** The failure of an exchange that got no answer: too slow when `timedOut`, else unreachable. */
export function exchangeFailure(error: unknown, timedOut: boolean, timeoutMs: number): UpstreamError {
  return timedOut
    ? new UpstreamTimeoutError(`The node did not answer within ${timeoutMs} ms`, { cause: error })
    : new UpstreamUnreachableError('The node could not be reached', { cause: error });
}

/** A node's answer parsed, its numbers kept exactly (`parseUpstreamBody`); one that is not JSON is a failure. */
export function parsedAnswer(status: number, text: string): unknown {
  try {
    return parseUpstreamBody(text);
  } catch (error) {
    throw new UpstreamProtocolError(`The node answered HTTP ${status} without a JSON body`, { cause: error });
  }
}

/** Where a node URL's requests go: origin, path and headers, with credentials in the URL sent as Basic auth. */
export interface NodeRequestTarget {
  readonly origin: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

export function nodeRequestTarget(rpcUrl: string): NodeRequestTarget {
  const url = new URL(rpcUrl);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (url.username || url.password) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  return { origin: url.origin, path: `${url.pathname}${url.search}`, headers };
}

/** `nodeRequestTarget`, worked out once per URL rather than per request. */
export function nodeRequestTargets(): (rpcUrl: string) => NodeRequestTarget {
  const targets = new Map<string, NodeRequestTarget>();
  return (rpcUrl) => {
    let target = targets.get(rpcUrl);
    if (!target) {
      target = nodeRequestTarget(rpcUrl);
      targets.set(rpcUrl, target);
    }
    return target;
  };
}
