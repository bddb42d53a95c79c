/**
 * The nodes the platform's own work talks to, and a provider on one: what reads a chain (webhooks' log filters, the
 * watchers, the contract calls in governance-chain.ts) shares. Apart from the contract calls, so that code which
 * only picks a node and reads logs does not reach the contracts' ABIs.
 */
import type { JsonRpcProvider } from 'ethers';
import { loadChainClients } from '../../../shared/chain/chain-clients.ts';
import { isPlatformRun, type NodeRecord } from '../../../shared/domain/node.ts';

/** A node's private JSON-RPC URL and the chain id it must serve. */
export interface ChainEndpoint {
  readonly rpcUrl: string;
  readonly chainId: number;
  /** The node behind the URL, for audit records. */
  readonly nodeId: string | undefined;
}

export async function openProvider(endpoint: ChainEndpoint): Promise<JsonRpcProvider> {
  const { JsonRpcProvider } = await loadChainClients();
  return new JsonRpcProvider(endpoint.rpcUrl, endpoint.chainId, {
    staticNetwork: true,
    cacheTimeout: -1,
    pollingInterval: 100,
  });
}

/**
 * Nodes the platform runs that serve the chain now, healthiest first: running before degraded. Members'
 * self-hosted nodes are never among them: their URLs are their owners' input, and the platform's work (reads,
 * deployments, signed transactions) must not depend on, or be answered by, a server a member controls.
 */
export function servingEndpoints(nodes: readonly NodeRecord[], chainId: number): ChainEndpoint[] {
  const rank = (node: NodeRecord) => (node.state === 'running' ? 0 : 1);
  return nodes
    .filter((node) => isPlatformRun(node))
    .filter((node) => (node.state === 'running' || node.state === 'degraded') && node.endpoints.rpcUrl)
    .filter((node) => node.desiredState === 'running')
    .sort((a, b) => rank(a) - rank(b))
    .map((node) => ({ rpcUrl: node.endpoints.rpcUrl as string, chainId, nodeId: node.id }));
}

/** Runs `work` with a provider on the endpoint and always releases it. */
export async function withProvider<T>(endpoint: ChainEndpoint, work: (provider: JsonRpcProvider) => Promise<T>) {
  const provider = await openProvider(endpoint);
  try {
    return await work(provider);
  } finally {
    provider.destroy();
  }
}
