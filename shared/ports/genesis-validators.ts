/**
 * The validators a new QBFT network starts with, run by the platform. A QBFT genesis names its validators by
 * node-key address, so the keys are made before the genesis: `create` makes them, the network is recorded with
 * their addresses, and only then `start` runs what the chain needs. In AWS the validators are EC2 nodes whose keys
 * live in Secrets Manager; locally they are Besu processes (or, on anvil, the platform key stands in).
 */
import type { Network } from '../domain/network.ts';

export interface GenesisValidators {
  /** The addresses of a new network's genesis validators, made for it. */
  create(networkId: string): Promise<string[]>;
  /** Starts what the network's chain needs, once it is recorded. */
  start(network: Network): Promise<void>;
  /** Drops what `create` made, when the network was not recorded after all. */
  discard(networkId: string): Promise<void>;
}
