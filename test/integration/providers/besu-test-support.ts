/**
 * Small helpers shared by the Besu runtime's tests: a provider with test-sized timings, a JSON-RPC call to a node
 * and a bounded wait.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BesuNodeProvider, type BesuNodeProviderOptions } from '../../../shared/adapters/local/besu-node-provider.ts';

/** A provider with short timeouts and backoff, as tests want; `opened` collects it for closing after the test. */
export async function openTestBesuProvider(
  options: Pick<BesuNodeProviderOptions, 'dataDir' | 'besuPath'> & Partial<BesuNodeProviderOptions>,
  opened: BesuNodeProvider[],
): Promise<BesuNodeProvider> {
  const provider = await BesuNodeProvider.open({
    exitPollMs: 100,
    stopTimeoutMs: 5_000,
    readyTimeoutMs: 10_000,
    restartPolicy: { initialBackoffMs: 100, maxBackoffMs: 500 },
    ...options,
  });
  opened.push(provider);
  return provider;
}

export async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: unknown };
  if (body.error) throw new Error(JSON.stringify(body.error));
  return body.result;
}

/** The node's block height. */
export async function height(url: string): Promise<number> {
  return Number(await rpc(url, 'eth_blockNumber'));
}

/** Resolves with the first truthy value `check` gives; throws naming `what` after the timeout. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}
