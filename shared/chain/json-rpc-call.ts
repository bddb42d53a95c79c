/**
 * One JSON-RPC 2.0 call over HTTP with a deadline, for the control plane's own calls to nodes (readiness and chain
 * id checks, genesis allocations, QBFT validator votes). Not a client library: tenants' traffic goes through the
 * gateway.
 */
import { PlatformError } from '../errors.ts';
/** The node did not answer the call, or answered it with an error. */
export class JsonRpcCallError extends PlatformError {}

export async function callJsonRpc(url: string, method: string, params: unknown[], timeoutMs = 2_000): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new JsonRpcCallError(`${method} to ${url} failed: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok) throw new JsonRpcCallError(`${method} to ${url} answered HTTP ${response.status}`);
  let body: { result?: unknown; error?: { message?: string } };
  try {
    body = (await response.json()) as typeof body;
  } catch (error) {
    throw new JsonRpcCallError(`${method} to ${url} answered something that is not JSON`, { cause: error });
  }
  if (body.error) throw new JsonRpcCallError(`${method} to ${url} failed: ${body.error.message ?? 'unknown error'}`);
  return body.result;
}

/** An error's words without the URLs in them: nodes' private endpoints stay out of what members are shown. */
export function withoutEndpoints(message: string): string {
  return message.replace(/\bhttps?:\/\/[^\s)]+/g, '(the node’s endpoint)');
}
