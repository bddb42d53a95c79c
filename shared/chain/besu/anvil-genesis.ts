/**
 * The same network as a geth-style genesis for `anvil --init`, used by the anvil runtime: same chain id, forks,
 * gas limit, timestamp and pre-funded accounts as the Besu genesis, but no consensus section or extraData
 * (anvil seals blocks itself and cannot run QBFT). Base fee 0 matches Besu's `zeroBaseFee`; anvil still needs
 * `--base-fee 0 --gas-price 0 --disable-min-priority-fee` to accept zero-priced transactions.
 */
import { ZeroAddress, ZeroHash } from 'ethers/constants';
import {
  type BlockForks,
  checkedChainId,
  checkedGasLimit,
  DEFAULT_GAS_LIMIT,
  forksAtGenesis,
  type GenesisAlloc,
  type GenesisNetwork,
  type GenesisOptions,
  genesisAlloc,
  genesisTimestamp,
} from './genesis.ts';

export type AnvilGenesisNetwork = Pick<GenesisNetwork, 'chainId' | 'alloc' | 'createdAt'>;

export interface AnvilGenesis {
  readonly config: BlockForks & { readonly chainId: number; readonly shanghaiTime: 0; readonly cancunTime: 0 };
  readonly nonce: string;
  readonly timestamp: string;
  readonly extraData: string;
  readonly gasLimit: string;
  readonly difficulty: string;
  readonly mixHash: string;
  readonly coinbase: string;
  readonly baseFeePerGas: string;
  readonly alloc: GenesisAlloc;
  readonly number: string;
}

/** @throws ValidationError for a bad chain id, timestamp, gas limit or alloc entry */
export function buildAnvilGenesis(network: AnvilGenesisNetwork, options: GenesisOptions = {}): AnvilGenesis {
  return {
    config: { chainId: checkedChainId(network.chainId), ...forksAtGenesis(), shanghaiTime: 0, cancunTime: 0 },
    nonce: '0x0',
    timestamp: genesisTimestamp(network.createdAt),
    extraData: '0x',
    gasLimit: checkedGasLimit(options.gasLimit ?? DEFAULT_GAS_LIMIT),
    difficulty: '0x0',
    mixHash: ZeroHash,
    coinbase: ZeroAddress,
    baseFeePerGas: '0x0',
    alloc: genesisAlloc(network.alloc),
    number: '0x0',
  };
}

export function anvilGenesisJson(network: AnvilGenesisNetwork, options: GenesisOptions = {}): string {
  return `${JSON.stringify(buildAnvilGenesis(network, options), null, 2)}\n`;
}
