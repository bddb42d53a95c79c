/**
 * HTTP transport to the nodes for request-time traffic (rpc-transport.ts): one undici `Pool` of keep-alive
 * connections per upstream origin, a hard deadline per request, and failures sorted as `RpcTransport` says.
 *
 * Each exchange goes through the pool's `dispatch` with a handler that keeps the status and the body's chunks
 * (undici's documented handler interface): no body stream per answer, as `request()` makes. The pool is imported
 * from its own module, because undici's entry loads every part of the package (fetch, WebSocket, caches, mocks),
 * 525 KiB of each gateway bundle where the pool needs 277; `rpc-transports.test.ts` holds that module to the entry's
 * class, so an undici that moves it fails the tests rather than the gateway.
 */
import type { Dispatcher } from 'undici';
import Pool from 'undici/lib/dispatcher/pool.js';
import {
  exchangeFailure,
  nodeRequestTargets,
  parsedAnswer,
  type RpcTransport,
  UpstreamUnreachableError,
} from './rpc-transport.ts';

export interface UpstreamOptions {
  /** Deadline for one upstream exchange, connecting included. */
  readonly timeoutMs: number;
  /** Connections kept per node origin. @default 64 */
  readonly connectionsPerOrigin?: number;
}

export class RpcUpstream implements RpcTransport {
  private readonly pools = new Map<string, Pool>();
  /** Origin, path and headers of each node URL, worked out once per URL. */
  private readonly targetOf = nodeRequestTargets();
  private closed = false;

  constructor(private readonly options: UpstreamOptions) {}

  /** POSTs a JSON-RPC body and returns the parsed JSON answer, its numbers kept exactly (`parseUpstreamBody`). */
  async post(rpcUrl: string, body: string): Promise<unknown> {
    const target = this.targetOf(rpcUrl);
    const pool = this.poolFor(target.origin);
    let answer: Answer;
    try {
      answer = await new Promise<Answer>((resolve, reject) => {
        // undici's own header and body deadlines: no per-request timer or AbortSignal on the hot path.
        pool.dispatch(
          {
            origin: target.origin,
            path: target.path,
            method: 'POST',
            headers: target.headers,
            body,
            headersTimeout: this.options.timeoutMs,
            bodyTimeout: this.options.timeoutMs,
          },
          new Exchange(resolve, reject),
        );
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      const timedOut =
        code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
      throw exchangeFailure(error, timedOut, this.options.timeoutMs);
    }
    return parsedAnswer(answer.statusCode, answer.text);
  }

  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  private poolFor(origin: string): Pool {
    if (this.closed) throw new UpstreamUnreachableError('The gateway is shutting down');
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.options.connectionsPerOrigin ?? 64,
        connectTimeout: this.options.timeoutMs,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}

interface Answer {
  readonly statusCode: number;
  readonly text: string;
}

/** One exchange's answer as it arrives: the final status (after any 1xx) and the body, decoded once at the end. */
class Exchange implements Dispatcher.DispatchHandler {
  private statusCode = 0;
  private readonly chunks: Buffer[] = [];

  constructor(
    private readonly resolve: (answer: Answer) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  /** undici tells its handler interfaces apart by this method; there is nothing to do before the request goes. */
  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.statusCode = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const { chunks } = this;
    const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
    this.resolve({ statusCode: this.statusCode, text });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.reject(error);
  }
}
