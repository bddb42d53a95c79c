/**
 * Keeps a network's EC2 nodes peered with each other. An instance's address is known only once it runs, so the
 * nodes of a new network (its genesis validators first among them) cannot name each other in their static nodes
 * at launch. Each time a node reports its enode (its first report, or a new one after a replacement), the
 * reconciler tells this class, which
 * - for a genesis validator the platform runs, records its enode among the network's bootnodes (replacing the
 *   entry of the same node key), so nodes launched later, and members' own nodes through the join bundle, start
 *   with it;
 * - asks each of the network's other serving EC2 nodes to keep a connection to it (`admin_addPeer`), and it to
 *   each of them, so every node keeps (and re-dials after a restart of the other) every other one; an address the
 *   node had before is dropped from the others (`admin_removePeer`);
 * - rewrites the static nodes the node (and, when the bootnodes changed, every EC2 node of the network) fetches
 *   before each Besu start.
 *
 * Two addresses per node: the enode a node advertises carries its public address, which members' nodes outside
 * the VPC dial; fleet nodes dial each other at their private addresses, because the fleet's security group admits
 * P2P from fleet peers by group, and a group rule holds only for traffic to private addresses. So admin calls and
 * fleet static nodes use a node's "fleet enode": its enode at the private address its JSON-RPC is reached at.
 *
 * The calls go to the nodes' private JSON-RPC ports, where ADMIN is served to the control plane only. A node that
 * does not answer is left for the next report; nothing here fails the reconciler's step.
 */
import { staticNodesJson } from '../../shared/chain/besu/besu-config.ts';
import { formatEnode, parseEnode } from '../../shared/chain/besu/enode.ts';
import { callJsonRpc } from '../../shared/chain/json-rpc-call.ts';
import type { Network } from '../../shared/domain/network.ts';
import { isServing, type NodeRecord } from '../../shared/domain/node.ts';
import { isPlatformNode } from '../../shared/domain/platform.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import type { StaticNodesPublisher } from '../../shared/ports/node-files.ts';
import type { NetworksRepository } from '../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../shared/store/nodes.repository.ts';
import { ConditionFailedError } from '../../shared/store/table.ts';

export interface NetworkPeeringDeps {
  readonly nodes: NodesRepository;
  readonly networks: NetworksRepository;
  readonly logger: Logger;
  /** Deadline of one admin call. @default 2000 */
  readonly timeoutMs?: number;
  /**
   * Where each node's static nodes are kept for its next start (the fleet's configuration bucket): rewritten for
   * the reporting node, and for every managed EC2 node of the network when its bootnodes change.
   */
  readonly staticNodes?: StaticNodesPublisher;
}

export interface PeeringReport {
  /** `admin_addPeer` / `admin_removePeer` calls the nodes accepted. */
  readonly calls: number;
  readonly failures: number;
  readonly bootnodesChanged: boolean;
}

const BOOTNODE_ATTEMPTS = 5;

export class NetworkPeering {
  readonly #deps: NetworkPeeringDeps;

  constructor(deps: NetworkPeeringDeps) {
    this.#deps = deps;
  }

  /** `node` now reports `node.enode`; `previous` is the node as it was before (its earlier enode and address). */
  async nodeReported(
    node: NodeRecord,
    previous: Pick<NodeRecord, 'enode' | 'endpoints'> | undefined,
  ): Promise<PeeringReport> {
    const { enode } = node;
    const rpcUrl = node.endpoints.rpcUrl;
    const fleet = fleetEnode(node);
    // Members' own nodes are theirs to configure (their join bundle names the bootnodes); only managed EC2 nodes
    // serve ADMIN to the control plane.
    if (!enode || !rpcUrl || !fleet || node.runtime !== 'ec2' || node.hosting !== 'managed') {
      return { calls: 0, failures: 0, bootnodesChanged: false };
    }
    const changedBootnodes =
      isPlatformNode(node) && node.role === 'validator' ? await this.#recordBootnode(node.networkId, enode) : undefined;
    const nodesOfNetwork = await this.#deps.nodes.listByNetwork(node.networkId);
    const peers = nodesOfNetwork.filter(
      (other) =>
        other.id !== node.id &&
        other.runtime === node.runtime &&
        other.hosting === 'managed' &&
        isServing(other.state) &&
        fleetEnode(other) !== undefined,
    );
    const bootnodes = changedBootnodes ?? (await this.#deps.networks.get(node.networkId))?.bootnodes ?? [];
    // Every fleet node's next start when the bootnodes changed; otherwise this node's.
    await this.#publishStaticNodes(changedBootnodes ? nodesOfNetwork : [node], bootnodes, nodesOfNetwork);

    const before = previous && fleetEnode(previous);
    const moved = before !== undefined && before !== fleet ? before : undefined;
    const calls: Array<Promise<boolean>> = [];
    for (const other of peers) {
      const otherUrl = other.endpoints.rpcUrl as string;
      calls.push(this.#admin(otherUrl, 'admin_addPeer', fleet, other.id));
      if (moved) calls.push(this.#admin(otherUrl, 'admin_removePeer', moved, other.id));
      calls.push(this.#admin(rpcUrl, 'admin_addPeer', fleetEnode(other) as string, node.id));
    }
    const outcomes = await Promise.all(calls);
    const failures = outcomes.filter((ok) => !ok).length;
    this.#deps.logger.info('node peered with its network', {
      nodeId: node.id,
      networkId: node.networkId,
      peers: peers.length,
      failures,
      bootnodesChanged: changedBootnodes !== undefined,
    });
    return { calls: outcomes.length - failures, failures, bootnodesChanged: changedBootnodes !== undefined };
  }

  /**
   * Puts the enode among the network's bootnodes in place of any of the same node key. Answers the new bootnodes
   * when they changed.
   */
  async #recordBootnode(networkId: string, enode: string): Promise<readonly string[] | undefined> {
    const key = parseEnode(enode).nodeId;
    for (let attempt = 1; attempt <= BOOTNODE_ATTEMPTS; attempt++) {
      const network: Network | undefined = await this.#deps.networks.get(networkId);
      if (!network) return undefined;
      if (network.bootnodes.includes(enode)) return undefined;
      const index = network.bootnodes.findIndex((url) => sameKey(url, key));
      const bootnodes =
        index < 0 ? [...network.bootnodes, enode] : network.bootnodes.map((url, at) => (at === index ? enode : url));
      try {
        await this.#deps.networks.update(network, { bootnodes });
        return bootnodes;
      } catch (error) {
        // Another validator's report changed the network meanwhile: read it again and merge.
        if (!(error instanceof ConditionFailedError) || attempt === BOOTNODE_ATTEMPTS) throw error;
      }
    }
    return undefined;
  }

  /**
   * What `nodes` start with next time: the network's bootnodes, each fleet node among them at its private address
   * (see fleetEnode).
   */
  async #publishStaticNodes(
    nodes: readonly NodeRecord[],
    bootnodes: readonly string[],
    nodesOfNetwork: readonly NodeRecord[],
  ): Promise<void> {
    const { staticNodes } = this.#deps;
    if (!staticNodes) return;
    const json = staticNodesJson(fleetStaticNodes(bootnodes, nodesOfNetwork));
    const fleet = nodes.filter((n) => n.runtime === 'ec2' && n.hosting === 'managed' && n.state !== 'terminated');
    await Promise.all(
      fleet.map((n) =>
        staticNodes.publishStaticNodes(n.id, json).catch((error: Error) => {
          this.#deps.logger.warn('static nodes not published; the next report rewrites them', {
            nodeId: n.id,
            error: error.message,
          });
        }),
      ),
    );
  }

  async #admin(rpcUrl: string, method: string, enode: string, nodeId: string): Promise<boolean> {
    try {
      await callJsonRpc(rpcUrl, method, [enode], this.#deps.timeoutMs ?? 2_000);
      return true;
    } catch (error) {
      this.#deps.logger.warn('peering call failed; the next report retries', {
        nodeId,
        method,
        error: (error as Error).message,
      });
      return false;
    }
  }
}

function sameKey(url: string, nodeId: string): boolean {
  try {
    return parseEnode(url).nodeId === nodeId;
  } catch {
    return false;
  }
}

/**
 * A node's enode at the private address its JSON-RPC is reached at: how fleet nodes dial it. Undefined until the
 * node has reported an enode and has an address.
 */
export function fleetEnode(node: Pick<NodeRecord, 'enode' | 'endpoints'>): string | undefined {
  if (!node.enode || !node.endpoints.rpcUrl) return undefined;
  try {
    return formatEnode({ ...parseEnode(node.enode), host: new URL(node.endpoints.rpcUrl).hostname });
  } catch {
    return undefined;
  }
}

/** The bootnodes with each managed EC2 node of the network among them replaced by its fleet enode. */
function fleetStaticNodes(bootnodes: readonly string[], nodesOfNetwork: readonly NodeRecord[]): string[] {
  const byKey = new Map<string, string>();
  for (const node of nodesOfNetwork) {
    const fleet = node.runtime === 'ec2' && node.hosting === 'managed' ? fleetEnode(node) : undefined;
    if (fleet) byKey.set(parseEnode(fleet).nodeId, fleet);
  }
  return bootnodes.map((url) => {
    try {
      return byKey.get(parseEnode(url).nodeId) ?? url;
    } catch {
      return url;
    }
  });
}
