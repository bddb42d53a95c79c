/**
 * The AWS SDK's request handler for the embedded DynamoDB when it runs in the same process: each request goes to
 * dynalite's own request listener as it would arrive over loopback HTTP (method, path, lower-case headers, body, the
 * SigV4 headers the SDK signed) and its answer comes back to the SDK as a response read off the wire would (status,
 * headers, body). What is left out is only the socket between them: the client's HTTP serialisation, the
 * server's HTTP parser and the event-loop turns of both, about half a millisecond of CPU per call.
 *
 * The database, its validation of every request and its answers, errors included, are dynalite's, unchanged; the SDK
 * (middleware, retries, parsing) is unchanged above the handler. The embedded database still listens on loopback for
 * clients in other processes. Once the database is closing, requests are refused as a closed port would refuse them
 * (`ECONNREFUSED`), never handed to a store that is shutting down.
 *
 * Requests that never leave the process are not signed (`IN_PROCESS_AUTH_SCHEMES`): dynalite checks that a SigV4
 * header is there and well formed but verifies no signature (there is no secret to verify it with: local clients use
 * fixed placeholder credentials), so hashing the body and computing the HMAC chain took about a quarter of a call's CPU
 * for nothing. Clients in other processes, over loopback HTTP, still sign as the SDK does.
 */
import { EventEmitter } from 'node:events';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/**
 * The SigV4 headers of an unsigned in-process request: the form dynalite requires (credential scope, signed
 * headers, a date), a signature of zeros.
 */
export const IN_PROCESS_AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, ' +
  `Signature=${'0'.repeat(64)}`;
const IN_PROCESS_DATE = '20260101T000000Z';

/** The DynamoDB client's SigV4 scheme with a signer that writes `IN_PROCESS_AUTHORIZATION` instead of signing. */
export const IN_PROCESS_AUTH_SCHEMES: NonNullable<DynamoDBClientConfig['httpAuthSchemes']> = [
  {
    schemeId: 'aws.auth#sigv4',
    identityProvider: (config) => config.getIdentityProvider('aws.auth#sigv4'),
    signer: {
      async sign(request) {
        request.headers.authorization = IN_PROCESS_AUTHORIZATION;
        request.headers['x-amz-date'] = IN_PROCESS_DATE;
        return request;
      },
    },
  },
];

/** The parts of Node's IncomingMessage dynalite's listener reads. */
interface ListenerRequest extends EventEmitter {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The parts of Node's ServerResponse dynalite's listener writes. */
interface ListenerResponse {
  statusCode: number;
  contentType?: string;
  setHeader(name: string, value: string | number): void;
  end(body?: string | Uint8Array): void;
}

export type DynaliteListener = (request: ListenerRequest, response: ListenerResponse) => void;

/** The fields of the SDK's HttpRequest a DynamoDB call uses (its JSON protocol sends no query string). */
interface SdkRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

interface SdkResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

export class InProcessDynamoHandler {
  private open = true;

  constructor(private readonly listener: DynaliteListener) {}

  /** Refuses every request from now on, as the closed port does. */
  close(): void {
    this.open = false;
  }

  handle(
    request: SdkRequest,
    options?: { abortSignal?: { readonly aborted: boolean } },
  ): Promise<{ response: SdkResponse }> {
    if (!this.open) return Promise.reject(connectionRefused());
    if (options?.abortSignal?.aborted) return Promise.reject(aborted());
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
      const incoming = Object.assign(new EventEmitter(), {
        method: request.method,
        url: request.path,
        headers,
      });
      const answer: Record<string, string> = {};
      const response: ListenerResponse = {
        statusCode: 200,
        setHeader(name, value) {
          answer[name.toLowerCase()] = String(value);
        },
        end(body) {
          const bytes = body === undefined ? new Uint8Array() : typeof body === 'string' ? Buffer.from(body) : body;
          resolve({ response: { statusCode: response.statusCode, headers: answer, body: bytes } });
        },
      };
      try {
        this.listener(incoming, response);
        const body = bodyBytes(request.body);
        if (body.length > 0) incoming.emit('data', body);
        incoming.emit('end');
      } catch (error) {
        reject(error);
      }
    });
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  /** Every client of the database shares this handler: a client destroyed closes nothing (`close` does). */
  destroy(): void {}
}

function bodyBytes(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('The embedded DynamoDB takes a request body as a string or bytes');
}

function connectionRefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED: the embedded DynamoDB is closed'), { code: 'ECONNREFUSED' });
}

function aborted(): Error {
  return Object.assign(new Error('Request aborted'), { name: 'AbortError' });
}
