/**
 * A transport to the nodes over Node's own fetch (rpc-transport.ts), for the scheduled WebSocket follower: four head
 * look-ups a second for each node it follows. Undici's pools (upstream.ts) cost far less CPU per exchange (measured
 * on one machine: 40–220 µs against fetch's 450–850 µs), which is why request-time traffic keeps them; here they
 * would cost the follower half a megabyte of bundle (602 KiB against 1,446) for a few milliseconds of CPU a second
 * per followed node. The same deadline, the same credentials from the node URL, and failures sorted as
 * `RpcTransport` says. Redirects are not followed: a node answers where it was asked.
 */
import {
  exchangeFailure,
  nodeRequestTargets,
  parsedAnswer,
  type RpcTransport,
  UpstreamUnreachableError,
} from './rpc-transport.ts';

export class FetchUpstream implements RpcTransport {
  /** Origin, path and headers of each node URL, worked out once per URL. */
  private readonly targetOf = nodeRequestTargets();
  private closed = false;

  constructor(private readonly options: { readonly timeoutMs: number }) {}

  async post(rpcUrl: string, body: string): Promise<unknown> {
    if (this.closed) throw new UpstreamUnreachableError('The gateway is shutting down');
    const target = this.targetOf(rpcUrl);
    let status: number;
    let text: string;
    try {
      const response = await fetch(`${target.origin}${target.path}`, {
        method: 'POST',
        headers: target.headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw exchangeFailure(error, (error as { name?: string }).name === 'TimeoutError', this.options.timeoutMs);
    }
    return parsedAnswer(status, text);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
