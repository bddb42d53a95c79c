/**
 * The genesis validators of local Besu networks: Besu processes the platform itself runs, one per genesis
 * validator, under `<dataDir>/besu-genesis/<networkId>/validator-<n>/`. They are to a local Besu network what the
 * anvil process is to a local anvil network: its chain, live from the moment the network exists.
 *
 * A QBFT genesis lists its validators by node address, and the chain seals only while the holders of those keys
 * run. So when a network is created here, the validators' node keys are made first (each in its own node's data
 * directory, Besu's file and format, see shared/chain/besu/node-key.ts), the network is recorded with their
 * addresses, and only then is the genesis written and the validators started. Every other local Besu node of the
 * network (any organisation's) lists them as static nodes and follows their chain; a node that governance votes in
 * as a validator then seals with them.
 *
 * A network whose genesis names validators held elsewhere (created with explicit validator addresses, or before
 * Besu was available) is not hosted here: this class says so and runs nothing for it.
 *
 * Not concurrency-safe on its own: the Besu node provider calls it under its per-network lock.
 */

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { genesisJson } from '../../chain/besu/genesis.ts';
import type { BesuRelease } from '../../domain/besu-release.ts';
import type { Network } from '../../domain/network.ts';
import { PLATFORM_ORG_ID } from '../../domain/platform.ts';
import { ConflictError, NotFoundError, PlatformError, ValidationError } from '../../errors.ts';
import { BesuNode, type BesuNodeOptions } from './besu-node.ts';
import { restartOnRelease } from './besu-node-control.ts';
import { BesuNodeFiles, type BesuNodeRegistration, registeredNetwork } from './besu-node-files.ts';

/** The organisation the platform's own processes belong to (as for the platform signing key). */
const VALIDATOR_DIR = /^validator-(\d{1,2})$/;
export const MAX_GENESIS_VALIDATORS = 16;

export interface GenesisValidatorEndpoint {
  readonly nodeId: string;
  readonly name: string;
  readonly address: string;
  readonly rpcUrl: string | undefined;
  readonly live: boolean;
}

export class BesuGenesisValidators {
  readonly #root: string;
  readonly #nodeOptions: BesuNodeOptions;
  readonly #peers: (networkId: string, selfNodeId: string) => Promise<string[]>;
  /** Running (or meant to run) genesis validators of the networks hosted here, by network id. */
  readonly #hosted = new Map<string, BesuNode[]>();

  constructor(
    dataDir: string,
    nodeOptions: BesuNodeOptions,
    peers: (networkId: string, selfNodeId: string) => Promise<string[]>,
  ) {
    this.#root = join(dataDir, 'besu-genesis');
    this.#nodeOptions = nodeOptions;
    this.#peers = peers;
  }

  /**
   * Makes (or finds, after a crash half-way) the node keys of a new network's `count` genesis validators and
   * returns their addresses, in the order the genesis lists them.
   */
  async prepare(networkId: string, count: number): Promise<string[]> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_GENESIS_VALIDATORS) {
      throw new ValidationError(`A network needs 1 to ${MAX_GENESIS_VALIDATORS} genesis validators, not ${count}`);
    }
    if (this.#hosted.has(networkId)) throw new ConflictError(`Network ${networkId} already runs its chain here`);
    const addresses: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const files = this.#files(networkId, index);
      addresses.push((await files.ensureNodeKey()).address);
    }
    return addresses;
  }

  /** Removes the keys made for a network that was not created after all. Refuses for a network hosted here. */
  async discard(networkId: string): Promise<void> {
    if (this.#hosted.has(networkId)) throw new ConflictError(`Network ${networkId} runs its chain here`);
    await rm(join(this.#root, networkId), { recursive: true, force: true });
  }

  /** Whether this machine holds every genesis validator key of the network (so it can run the chain). */
  async holdsGenesisOf(network: Network): Promise<boolean> {
    if (this.#hosted.has(network.id)) return true;
    const held = (await this.#heldAddresses(network.id)).map((address) => address.toLowerCase()).sort();
    const named = network.validators.map((address) => address.toLowerCase()).sort();
    return held.length > 0 && held.length === named.length && held.every((address, index) => address === named[index]);
  }

  /**
   * Starts the chain of a network whose genesis validators are held here: writes each validator's genesis and
   * registration once, then starts (or re-adopts) them. False, and nothing started, for a network not held here.
   */
  async host(network: Network): Promise<boolean> {
    const running = this.#hosted.get(network.id);
    if (running) {
      for (const validator of running) await validator.ensureRunning();
      return true;
    }
    if (!(await this.holdsGenesisOf(network))) return false;
    const genesis = genesisJson(network);
    const validators: BesuNode[] = [];
    for (let index = 0; index < network.validators.length; index += 1) {
      const files = this.#files(network.id, index);
      const written = await files.readGenesis();
      if (written !== undefined && written !== genesis) {
        throw new ConflictError(`Genesis validator ${index} of network ${network.id} holds another genesis`);
      }
      if (written === undefined) await files.write(files.genesisPath, genesis);
      // A release and flags an upgrade gave the validator stay with it across control-plane restarts.
      const earlier = await files.readRegistration();
      const registration = {
        ...registrationOf(network, index),
        ...(earlier?.release && { release: earlier.release }),
        ...(earlier?.flags && { flags: earlier.flags }),
      };
      await files.writeRegistration(registration);
      validators.push(
        new BesuNode(files, registration, () => this.#peers(network.id, registration.nodeId), this.#nodeOptions),
      );
    }
    this.#hosted.set(network.id, validators);
    for (const validator of validators) await validator.resume();
    return true;
  }

  isHosted(networkId: string): boolean {
    return this.#hosted.has(networkId);
  }

  /**
   * The enodes the network's genesis validators last reported, except `selfNodeId`'s. Read from their files, so a
   * node started before its network is hosted again (a control-plane restart) still dials them.
   */
  async enodes(networkId: string, selfNodeId?: string): Promise<string[]> {
    const enodes: string[] = [];
    for (const index of await this.#indexes(networkId)) {
      if (validatorNodeId(networkId, index) === selfNodeId) continue;
      const enode = await this.#files(networkId, index).readEnode();
      if (enode) enodes.push(enode);
    }
    return enodes;
  }

  /** Where the network's genesis validators answer JSON-RPC, for validator votes and the health of the chain. */
  async endpoints(networkId: string): Promise<GenesisValidatorEndpoint[]> {
    const endpoints: GenesisValidatorEndpoint[] = [];
    for (const validator of this.#hosted.get(networkId) ?? []) {
      const identity = await validator.files.readNodeKeyIdentity();
      if (!identity) continue;
      const rpcUrl = validator.process?.rpcUrl;
      endpoints.push({
        nodeId: validator.nodeId,
        name: validator.registration.node.name,
        address: identity.address,
        rpcUrl,
        live: validator.status === 'running' && (await validator.isHealthy()),
      });
    }
    return endpoints;
  }

  /**
   * Restarts these validators of the network at the same time (a stalled QBFT network's remedy: their round timers
   * start afresh together). Every restart is tried; the first failure is thrown after all have been.
   */
  async restart(networkId: string, nodeIds: readonly string[]): Promise<void> {
    const chosen = nodeIds.map((id) => this.#validator(networkId, id));
    const results = await Promise.allSettled(chosen.map((validator) => validator.restart()));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw new PlatformError('A genesis validator did not restart', { cause: failure.reason });
  }

  /** Restarts one validator on `release` with `flags` (its registration keeps them for later starts). */
  async upgrade(
    networkId: string,
    nodeId: string,
    release: BesuRelease | undefined,
    flags: readonly string[],
  ): Promise<void> {
    await restartOnRelease(this.#validator(networkId, nodeId), release, flags);
  }

  #validator(networkId: string, nodeId: string): BesuNode {
    const validator = this.#hosted.get(networkId)?.find((v) => v.nodeId === nodeId);
    if (!validator) throw new NotFoundError(`No genesis validator ${nodeId} runs here for network ${networkId}`);
    return validator;
  }

  /** The pid of a genesis validator's process while it runs (for tests and diagnostics). */
  pid(networkId: string, index: number): number | undefined {
    return this.#hosted.get(networkId)?.[index]?.pid;
  }

  async close(): Promise<void> {
    const validators = [...this.#hosted.values()].flat();
    this.#hosted.clear();
    const results = await Promise.allSettled(validators.map((validator) => validator.stop()));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw new PlatformError('Some genesis validators did not stop cleanly', { cause: failure.reason });
  }

  #files(networkId: string, index: number): BesuNodeFiles {
    return new BesuNodeFiles(join(this.#root, networkId, `validator-${index}`));
  }

  /** The indexes of the network's validator directories, in order. */
  async #indexes(networkId: string): Promise<number[]> {
    let entries: string[];
    try {
      const dir = join(this.#root, networkId);
      entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return entries
      .map((name) => VALIDATOR_DIR.exec(name)?.[1])
      .filter((index): index is string => index !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  async #heldAddresses(networkId: string): Promise<string[]> {
    const addresses: string[] = [];
    for (const [position, index] of (await this.#indexes(networkId)).entries()) {
      if (index !== position) return [];
      const identity = await this.#files(networkId, index).readNodeKeyIdentity();
      if (!identity) return [];
      addresses.push(identity.address);
    }
    return addresses;
  }
}

function validatorNodeId(networkId: string, index: number): string {
  return `genesis-validator-${index}-${networkId}`;
}

function registrationOf(network: Network, index: number): BesuNodeRegistration {
  const nodeId = validatorNodeId(network.id, index);
  return {
    nodeId,
    orgId: PLATFORM_ORG_ID,
    networkId: network.id,
    clientToken: nodeId,
    serving: true,
    registeredAt: network.createdAt,
    network: registeredNetwork(network),
    node: { id: nodeId, name: `${network.name}-genesis-validator-${index}`, networkId: network.id, role: 'validator' },
  };
}
