/**
 * NodeProvider for self-hosted nodes: the member runs the node, so there is nothing to create, start or stop.
 * `describe` looks at the RPC URL the member recorded: a node that answers with its network's chain id is running;
 * without a URL the node is unmonitored and says so. The enode the member registered, and the node address it
 * implies, are reported either way. Works the same in both modes. The URL is the member's input: it is asked
 * only for its chain id, through the NodeProbe, which treats it as untrusted.
 */
import { parseEnode } from '../../chain/besu/enode.ts';
import { nodeIdentityOfNodeId } from '../../chain/besu/node-key.ts';
import type { NodeRecord } from '../../domain/node.ts';
import type { NodeProbe } from '../../ports/node-probe.ts';
import type { InventoryItem, NodeDescription, NodeProvider, ProvisionSpec } from '../../ports/node-provider.ts';

export class SelfHostedNodeProvider implements NodeProvider {
  readonly runtime = 'external' as const;

  constructor(
    private readonly chainIdOf: (networkId: string) => Promise<number | undefined>,
    private readonly probe: Pick<NodeProbe, 'chainId'>,
    private readonly timeoutMs = 3_000,
  ) {}

  async provision(spec: ProvisionSpec): Promise<{ providerRef: string }> {
    return { providerRef: `self-hosted:${spec.node.id}` };
  }

  async describe(node: NodeRecord): Promise<NodeDescription> {
    const url = node.endpoints.rpcUrl;
    if (!url) {
      return {
        status: 'running',
        sharedChain: false,
        ...registeredIdentity(node.enode),
        detail: 'Self-hosted and not monitored: record the node’s RPC URL to have its health watched',
      };
    }
    const expected = await this.chainIdOf(node.networkId);
    let chainId: number;
    try {
      chainId = await this.probe.chainId({ rpcUrl: url, besu: false, memberSupplied: true }, this.timeoutMs);
    } catch (error) {
      const why = error instanceof Error ? ` (${error.message})` : '';
      return { status: 'pending', sharedChain: false, detail: `Waiting for the node to answer at its RPC URL${why}` };
    }
    if (chainId !== expected) {
      return {
        status: 'pending',
        sharedChain: false,
        detail: `The node at the recorded RPC URL reports chain id ${chainId}, not ${expected}`,
      };
    }
    return { status: 'running', rpcUrl: url, sharedChain: false, ...registeredIdentity(node.enode) };
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async restart(): Promise<void> {}
  async deprovision(): Promise<void> {}

  /** The platform owns no resources of self-hosted nodes, so there are never orphans. */
  async inventory(): Promise<readonly InventoryItem[]> {
    return [];
  }

  async close(): Promise<void> {}
}

/**
 * The enode the member registered, and the node address it implies (the enode's id is the node key's public key,
 * so the address is the one the node seals and votes with): what governance names the node by.
 */
function registeredIdentity(enode: string | undefined): Pick<NodeDescription, 'enode' | 'validatorAddress'> {
  if (!enode) return {};
  try {
    return { enode, validatorAddress: nodeIdentityOfNodeId(parseEnode(enode).nodeId).address };
  } catch {
    return { enode };
  }
}
