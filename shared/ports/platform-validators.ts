/**
 * Validators the platform runs for a network without node records of their own: the genesis validators of a local
 * Besu network (besu-genesis-validators.ts). In AWS a network's genesis validators are node records of the platform
 * organisation and are reached through the NodeProvider like any node, so this port has no AWS adapter.
 */
import type { BesuRelease } from '../domain/besu-release.ts';

export interface PlatformValidatorProcess {
  /** The process's id, stable across restarts (`genesis-validator-<n>-<networkId>`). */
  readonly nodeId: string;
  readonly name: string;
  /** The validator address (its node key's). */
  readonly address: string;
  /** Private, loopback; present while it runs. */
  readonly rpcUrl: string | undefined;
  /** It runs and answers with the network's chain id. */
  readonly live: boolean;
}

export interface PlatformValidators {
  /** The network's validators run here; empty for a network whose chain does not run here. */
  list(networkId: string): Promise<PlatformValidatorProcess[]>;
  /** Restarts these validators together (at the same time, not one after another). */
  restart(networkId: string, nodeIds: readonly string[]): Promise<void>;
  /** Restarts one validator on `release` (undefined: the default `besu`) with `flags`. */
  upgrade(networkId: string, nodeId: string, release: BesuRelease | undefined, flags: readonly string[]): Promise<void>;
}
