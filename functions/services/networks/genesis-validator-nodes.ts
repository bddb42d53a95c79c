/**
 * Genesis validators the platform runs on EC2, for a network an operator creates without naming validators.
 *
 * A QBFT genesis names its validators by node-key address, so their keys must exist before the genesis: `create`
 * makes one node key per validator in the fleet's key store (Secrets Manager) and answers their addresses; the
 * network is recorded with them; `start` then records each validator as a node of the platform organisation
 * (role validator, managed, EC2) and hands it to the reconciler, which launches it like any managed node, with the
 * key already made. From then on they are ordinary nodes: supervised, health-checked and recovered, listed to
 * operators, taking the QBFT votes governance asks of managed validators.
 *
 * Node ids are derived from the network id and the validator's index, so `start` can be repeated (a failed
 * request, a retry) and always means the same nodes and the same keys.
 */
import { createHash } from 'node:crypto';
import type { Network } from '../../../shared/domain/network.ts';
import { type NodeRecord, type NodeSize, requestedNode } from '../../../shared/domain/node.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import type { Logger } from '../../../shared/observability/logger.ts';
import type { GenesisValidators } from '../../../shared/ports/genesis-validators.ts';
import type { NodeKeyStore } from '../../../shared/ports/node-key-store.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import { ConditionFailedError } from '../../../shared/store/table.ts';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** The node id of a network's `index`-th genesis validator (0-based): the same for the same network, always. */
export function genesisValidatorNodeId(networkId: string, index: number): string {
  const digest = createHash('sha256').update(`${networkId}/genesis-validator/${index}`).digest();
  let id = '';
  for (let i = 0; i < 20; i++) id += BASE32[(digest[i] ?? 0) & 31];
  return `node_${id}`;
}

/** How long after a network's creation the scheduled pass still completes its genesis validators. */
const RESUME_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface Ec2GenesisValidatorsOptions {
  readonly nodeKeys: NodeKeyStore;
  readonly nodes: NodesRepository;
  /** How many validators a network gets: 4 tolerates one faulty validator (QBFT needs more than 2/3). */
  readonly count: number;
  readonly size: NodeSize;
  readonly region: string;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Hands a new node to the reconciler (the provisioning queue). */
  readonly nodeChanged?: (node: NodeRecord) => void;
}

export class Ec2GenesisValidators implements GenesisValidators {
  readonly #options: Ec2GenesisValidatorsOptions;

  constructor(options: Ec2GenesisValidatorsOptions) {
    this.#options = options;
  }

  #ids(networkId: string): string[] {
    return Array.from({ length: this.#options.count }, (_, index) => genesisValidatorNodeId(networkId, index));
  }

  /** Makes the validators' node keys (or finds them, on a repeat) and answers their addresses, in order. */
  async create(networkId: string): Promise<string[]> {
    const identities = await Promise.all(
      this.#ids(networkId).map((id) => this.#options.nodeKeys.ensure({ id, orgId: PLATFORM_ORG_ID, networkId })),
    );
    return identities.map((identity) => identity.address);
  }

  /** Records the validators as platform nodes of the network and hands each to the reconciler. Idempotent. */
  async start(network: Network): Promise<void> {
    for (const index of this.#ids(network.id).keys()) await this.#record(network, index);
    this.#options.logger.info('genesis validators recorded', { networkId: network.id, count: this.#options.count });
  }

  /**
   * Records what `start` did not get to (a request that ended between recording the network and its
   * validators): a validator whose key exists and whose address the network's genesis names, but which has no
   * node record. Run with the reconciler's scheduled pass, which comes within a minute; networks older than a day
   * are not looked at (their validators were recorded long since, or never were the platform's), so the pass
   * makes no key-store calls for them.
   */
  async resume(network: Network): Promise<number> {
    const age = this.#options.clock().getTime() - Date.parse(network.createdAt);
    if (!(age < RESUME_WINDOW_MS)) return 0;
    let recorded = 0;
    for (const [index, id] of this.#ids(network.id).entries()) {
      if (await this.#options.nodes.get(PLATFORM_ORG_ID, id)) continue;
      const key = await this.#options.nodeKeys.find(id);
      if (!key || !network.validators.some((address) => address.toLowerCase() === key.address.toLowerCase())) continue;
      await this.#record(network, index);
      recorded += 1;
    }
    if (recorded > 0) {
      this.#options.logger.warn('genesis validators recorded late', { networkId: network.id, recorded });
    }
    return recorded;
  }

  async #record(network: Network, index: number): Promise<void> {
    const id = genesisValidatorNodeId(network.id, index);
    const node = requestedNode(
      {
        id,
        orgId: PLATFORM_ORG_ID,
        networkId: network.id,
        name: `genesis-validator-${index + 1}`,
        role: 'validator',
        hosting: 'managed',
        size: this.#options.size,
        region: this.#options.region,
        runtime: 'ec2',
      },
      this.#options.clock().toISOString(),
    );
    const recorded = await this.#options.nodes.create(node).then(
      (created) => created,
      async (error: unknown) => {
        // Recorded by an earlier start: that record stands (it may be running already).
        if (!(error instanceof ConditionFailedError)) throw error;
        return this.#options.nodes.get(PLATFORM_ORG_ID, id);
      },
    );
    if (recorded) this.#options.nodeChanged?.(recorded);
  }

  /** Removes the keys `create` made, when the network was not recorded after all. */
  async discard(networkId: string): Promise<void> {
    await Promise.all(this.#ids(networkId).map((id) => this.#options.nodeKeys.remove(id)));
  }
}
