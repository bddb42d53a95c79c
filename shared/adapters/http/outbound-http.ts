/**
 * HTTP requests from the control plane to addresses it does not choose itself: a self-hosted node's RPC URL is a
 * member's input, and a member can name any server, including ones inside the platform's own network (the
 * instance metadata service, other nodes' private ports) or one that answers forever or without end.
 *
 * Every request here therefore has a deadline, reads at most `maxResponseBytes` of the answer, never follows a
 * redirect (a 3xx is the answer), and — unless private addresses are allowed (local mode, where members' test
 * nodes run on the same machine) — connects only to public unicast addresses. The address check runs on the
 * addresses the connection actually uses (the resolver's answer is checked inside the connect step), so a name
 * that resolves to a public address when checked and a private one when used (DNS rebinding) cannot get through.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { isPublicAddress } from '../../domain/public-address.ts';
import { type ErrorCause, PlatformError } from '../../errors.ts';

export { isPublicAddress };

export interface OutboundHttpOptions {
  /** Loopback, private, link-local and other non-public addresses may be reached (local mode only). */
  readonly allowPrivateAddresses: boolean;
  /** Largest answer read; a longer one fails the request. @default 65_536 */
  readonly maxResponseBytes?: number;
  /** Connections kept per origin. @default 4 */
  readonly connectionsPerOrigin?: number;
}

export interface OutboundRequest {
  readonly method: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Deadline for the whole exchange, connecting and reading included. */
  readonly timeoutMs: number;
}

export interface OutboundResponse {
  readonly status: number;
  readonly text: string;
}

/** Why an outbound request did not get an answer, in words that may be shown to the node's owner. */
export type OutboundFailure =
  | 'address-refused'
  | 'invalid-url'
  | 'timeout'
  | 'too-large'
  | 'refused'
  | 'reset'
  | 'unreachable';

export class OutboundRequestError extends PlatformError {
  constructor(
    readonly failure: OutboundFailure,
    message: string,
    options?: ErrorCause,
  ) {
    super(message, options);
  }
}

const REFUSED_ADDRESS = 'the URL does not lead to a public address';

export class OutboundHttp {
  readonly #agents: { readonly http: http.Agent; readonly https: https.Agent };
  readonly #allowPrivate: boolean;
  readonly #maxResponseBytes: number;

  constructor(options: OutboundHttpOptions) {
    this.#allowPrivate = options.allowPrivateAddresses;
    this.#maxResponseBytes = options.maxResponseBytes ?? 65_536;
    const pooling = { keepAlive: true, maxSockets: options.connectionsPerOrigin ?? 4 };
    this.#agents = { http: new http.Agent(pooling), https: new https.Agent(pooling) };
  }

  /** Node's own HTTP client: it never follows a redirect, so a 3xx is what the node answered. */
  async request(url: string | URL, init: OutboundRequest): Promise<OutboundResponse> {
    const target = this.#checkedUrl(url);
    const secure = target.protocol === 'https:';
    const headers = {
      ...init.headers,
      ...(init.body !== undefined && { 'content-length': String(Buffer.byteLength(init.body)) }),
    };
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        reject(failureOf(error, init.timeoutMs));
      };
      const onResponse = (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > this.#maxResponseBytes) {
            request.destroy(
              new OutboundRequestError('too-large', `the answer was larger than ${this.#maxResponseBytes} bytes`),
            );
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', fail);
        response.on('end', () => {
          if (settled) return;
          settled = true;
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      };
      const options: http.RequestOptions = {
        method: init.method,
        headers,
        agent: secure ? this.#agents.https : this.#agents.http,
        signal: AbortSignal.timeout(init.timeoutMs),
        ...(!this.#allowPrivate && { lookup: publicOnlyLookup as unknown as http.RequestOptions['lookup'] }),
      };
      const request = secure ? https.request(target, options, onResponse) : http.request(target, options, onResponse);
      request.on('error', fail);
      request.end(init.body);
    });
  }

  async close(): Promise<void> {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  #checkedUrl(url: string | URL): URL {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (error) {
      throw new OutboundRequestError('invalid-url', 'the URL is not valid', { cause: error });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new OutboundRequestError('invalid-url', 'only http and https URLs are called');
    }
    if (parsed.username || parsed.password) {
      throw new OutboundRequestError('invalid-url', 'URLs with credentials are not called');
    }
    // A literal address is connected to without a look-up, so it is checked here.
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (!this.#allowPrivate && isIP(host) !== 0 && !isPublicAddress(host)) {
      throw new OutboundRequestError('address-refused', REFUSED_ADDRESS);
    }
    return parsed;
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** `dns.lookup` that fails when any address of the name is not public (all of them may be tried). */
function publicOnlyLookup(hostname: string, options: { all?: boolean }, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    if (addresses.length === 0 || addresses.some((entry) => !isPublicAddress(entry.address))) {
      return callback(new OutboundRequestError('address-refused', REFUSED_ADDRESS) as NodeJS.ErrnoException, []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0] as LookupAddress;
    return callback(null, first.address, first.family);
  });
}

function failureOf(error: unknown, timeoutMs: number): OutboundRequestError {
  if (error instanceof OutboundRequestError) return error;
  const err = error as Error & { code?: string; cause?: unknown };
  if (err.cause instanceof OutboundRequestError) return err.cause;
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || err.code === 'ABORT_ERR') {
    return new OutboundRequestError('timeout', `no answer within ${timeoutMs} ms`, { cause: error });
  }
  if (err.code === 'ECONNREFUSED') return new OutboundRequestError('refused', 'connection refused', { cause: error });
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.message === 'socket hang up') {
    return new OutboundRequestError('reset', 'the connection was closed', { cause: error });
  }
  return new OutboundRequestError('unreachable', err.code ?? err.message, { cause: error });
}
