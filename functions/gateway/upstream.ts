/**
 * HTTP transport to the nodes for request-time traffic (rpc-transport.ts): one undici `Pool` of keep-alive
 * connections per upstream origin, a hard deadline per request, and failures sorted as `RpcTransport` says.
 */
import { Pool } from 'undici';
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
    let statusCode: number;
    let text: string;
    try {
      // undici's own header and body deadlines: no per-request timer or AbortSignal on the hot path.
      const response = await this.poolFor(target.origin).request({
        path: target.path,
        method: 'POST',
        headers: target.headers,
        body,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      statusCode = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      const code = (error as { code?: string }).code;
      const timedOut =
        code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
      throw exchangeFailure(error, timedOut, this.options.timeoutMs);
    }
    return parsedAnswer(statusCode, text);
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
