/**
 * The genesis validators of a network in local mode (the `GenesisValidators` port). On the Besu runtime: node keys
 * made for the new network and Besu processes the platform runs with them (a network whose keys are held elsewhere
 * is left alone). On anvil the chain process seals every block, and the platform key stands in the genesis as its
 * validator.
 */
import type { BesuNodeProvider } from '../../shared/adapters/local/besu-node-provider.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import type { GenesisValidators } from '../../shared/ports/genesis-validators.ts';
import type { NetworksRepository } from '../../shared/store/networks.repository.ts';
import { ConditionFailedError } from '../../shared/store/table.ts';

export function localGenesisValidators(options: {
  besu: BesuNodeProvider | undefined;
  validatorCount: number;
  platformAddress: string;
  networks: NetworksRepository;
  logger: Logger;
}): GenesisValidators {
  const { besu, validatorCount, platformAddress, networks, logger } = options;
  if (!besu) {
    return { create: async () => [platformAddress], start: async () => {}, discard: async () => {} };
  }
  return {
    create: (networkId) => besu.prepareGenesisValidators(networkId, validatorCount),
    discard: (networkId) => besu.discardGenesisValidators(networkId),
    start: async (network) => {
      try {
        const hosted = await besu.hostNetwork(network);
        logger.info(hosted ? 'network chain runs on local Besu' : 'network chain runs on anvil', {
          networkId: network.id,
        });
        // The genesis validators are where anyone joins: the join bundles and the network view list them.
        if (hosted) await recordBootnodes(networks, network.id, await besu.genesisValidatorEnodes(network.id));
      } catch (error) {
        logger.warn('network chain did not start on local Besu', {
          networkId: network.id,
          error: (error as Error).message,
        });
      }
    },
  };
}

async function recordBootnodes(networks: NetworksRepository, networkId: string, enodes: string[]): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const network = await networks.get(networkId);
    if (!network || enodes.length === 0) return;
    if (network.bootnodes.length === enodes.length && network.bootnodes.every((e, i) => e === enodes[i])) return;
    try {
      await networks.update(network, { bootnodes: enodes });
      return;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
}
