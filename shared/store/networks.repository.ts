/**
 * Networks. A name is unique through a `NETNAME#` pointer written first: a crash before the network item leaves
 * a pointer that `ensure` completes, never two networks with one name.
 */
import type { Network } from '../domain/network.ts';
import { ConflictError } from '../errors.ts';
import { gsi2, keys } from './keys.ts';
import { ConditionFailedError, type Item, type Table } from './table.ts';

type NetworkItem = Item & Network;

export class NetworkNameTakenError extends ConflictError {}

export class NetworksRepository {
  constructor(private readonly table: Table) {}

  async create(network: Network): Promise<Network> {
    try {
      await this.table.create({ ...keys.networkName(network.name), networkId: network.id, type: 'network-name' });
    } catch (error) {
      if (error instanceof ConditionFailedError) {
        throw new NetworkNameTakenError(`A network named ${network.name} exists already`, { cause: error });
      }
      throw error;
    }
    await this.put(network);
    return network;
  }

  /** Creates the network unless one with its name exists; returns the one that exists either way. */
  async ensure(network: Network): Promise<{ network: Network; created: boolean }> {
    const pointer = await this.table.get<Item & { networkId: string }>(keys.networkName(network.name));
    if (pointer) {
      const existing = await this.get(pointer.networkId);
      if (existing) return { network: existing, created: false };
      const completed = { ...network, id: pointer.networkId };
      await this.put(completed);
      return { network: completed, created: true };
    }
    try {
      return { network: await this.create(network), created: true };
    } catch (error) {
      if (error instanceof NetworkNameTakenError) return this.ensure(network);
      throw error;
    }
  }

  async get(networkId: string): Promise<Network | undefined> {
    const item = await this.table.get<NetworkItem>(keys.network(networkId));
    return item ? toNetwork(item) : undefined;
  }

  async list(): Promise<Network[]> {
    const items = await this.table.queryAll<NetworkItem>(gsi2.networks(), { index: 'gsi2' });
    return items.map(toNetwork);
  }

  async update(network: Network, changes: Partial<Omit<Network, 'id' | 'version'>>): Promise<Network> {
    const updated = await this.table.update<NetworkItem>(keys.network(network.id), network.version, changes);
    return toNetwork(updated);
  }

  /** Records the Besu release the network's nodes run now (undefined: back to the fleet's default). */
  async setBesuRelease(network: Network, release: Network['besuRelease']): Promise<Network> {
    const updated = await this.table.update<NetworkItem>(
      keys.network(network.id),
      network.version,
      release ? { besuRelease: release } : {},
      release ? {} : { remove: ['besuRelease'] },
    );
    return toNetwork(updated);
  }

  private async put(network: Network): Promise<void> {
    await this.table.create<NetworkItem>({
      ...keys.network(network.id),
      ...network,
      type: 'network',
      gsi2pk: gsi2.networks(),
      gsi2sk: `${network.createdAt}#${network.id}`,
    });
  }
}

function toNetwork(item: NetworkItem): Network {
  return {
    id: item.id,
    name: item.name,
    chainId: item.chainId,
    consensus: item.consensus,
    blockPeriodSeconds: item.blockPeriodSeconds,
    validators: item.validators,
    bootnodes: item.bootnodes,
    alloc: item.alloc,
    status: item.status,
    governanceAddress: item.governanceAddress,
    didRegistryAddress: item.didRegistryAddress,
    consentLedgerAddress: item.consentLedgerAddress,
    ...(item.besuRelease && { besuRelease: item.besuRelease }),
    createdAt: item.createdAt,
    version: item.version,
  };
}
