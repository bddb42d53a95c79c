/**
 * The Besu processes the platform runs for one network, whatever runs them (docs/architecture.md, "Fleet
 * operations"): managed node records (through their runtime's NodeProvider) and, on the local Besu runtime, the
 * genesis validators that have no record (through the PlatformValidators port). Fleet operations act on these only:
 * a self-hosted node is its owner's, and the platform sends its own work only to nodes it runs (`isPlatformRun`).
 */
import type { BesuRelease } from '../../../shared/domain/besu-release.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { isPlatformRun, type NodeRecord, type NodeRuntime } from '../../../shared/domain/node.ts';
import { InvalidStateError, NotFoundError } from '../../../shared/errors.ts';
import type { NodeProvider } from '../../../shared/ports/node-provider.ts';
import type { PlatformValidators } from '../../../shared/ports/platform-validators.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';

/** One Besu process the platform runs on the network. */
export interface FleetMember {
  readonly nodeId: string;
  readonly name: string;
  readonly role: 'validator' | 'member';
  /** `platform`: a validator process without a record (local genesis); `managed`: a node record. */
  readonly source: 'platform' | 'managed';
  readonly orgId: string;
  /** Lower-case, as Besu answers; for validators (and any node that reported its key's address). */
  readonly address?: string;
  /** Private JSON-RPC URL, present while it serves. */
  readonly rpcUrl?: string;
  readonly runtime: Exclude<NodeRuntime, 'external'> | 'besu';
  /** The record, for managed nodes. */
  readonly node?: NodeRecord;
}

export type FleetProviders = Partial<
  Record<NodeRuntime, Pick<NodeProvider, 'restart' | 'upgrade' | 'backup' | 'deleteBackup'>>
>;

export interface NetworkFleetDeps {
  readonly stores: { readonly nodes: Pick<NodesRepository, 'listByNetwork'> };
  readonly providers: FleetProviders;
  readonly platformValidators?: PlatformValidators;
}

export interface RestartResult {
  /** Addresses (validators) or node ids (other nodes) restarted. */
  readonly restarted: readonly string[];
  readonly failures: readonly { readonly validator: string; readonly error: string }[];
}

export class NetworkFleet {
  constructor(private readonly deps: NetworkFleetDeps) {}

  /** Every Besu process the platform runs on the network, validators first. */
  async members(network: Network): Promise<FleetMember[]> {
    const platform = (await this.deps.platformValidators?.list(network.id)) ?? [];
    const nodes = await this.deps.stores.nodes.listByNetwork(network.id);
    const managed = nodes.filter(
      (node) => isPlatformRun(node) && node.state !== 'terminated' && node.desiredState === 'running',
    );
    const members: FleetMember[] = [
      ...platform.map((validator) => ({
        nodeId: validator.nodeId,
        name: validator.name,
        role: 'validator' as const,
        source: 'platform' as const,
        orgId: 'platform',
        address: validator.address.toLowerCase(),
        ...(validator.rpcUrl && { rpcUrl: validator.rpcUrl }),
        runtime: 'besu' as const,
      })),
      ...managed.map((node) => ({
        nodeId: node.id,
        name: node.name,
        role: isValidatorNode(node, network) ? ('validator' as const) : ('member' as const),
        source: 'managed' as const,
        orgId: node.orgId,
        ...(node.validatorAddress && { address: node.validatorAddress.toLowerCase() }),
        ...(node.endpoints.rpcUrl && { rpcUrl: node.endpoints.rpcUrl }),
        runtime: node.runtime as Exclude<NodeRuntime, 'external'>,
        node,
      })),
    ];
    return members.sort((a, b) => (a.role === b.role ? 0 : a.role === 'validator' ? -1 : 1));
  }

  /**
   * Restarts these members at the same time (a stalled network's remedy): the platform's validators in one call
   * that starts them together, the managed nodes through their providers, all at once. Every restart is tried.
   */
  async restartTogether(network: Network, members: readonly FleetMember[]): Promise<RestartResult> {
    const label = (m: FleetMember) => m.address ?? m.nodeId;
    const restarted: string[] = [];
    const failures: { validator: string; error: string }[] = [];
    const platform = members.filter((m) => m.source === 'platform');
    const managed = members.filter((m) => m.source === 'managed' && m.node);
    const work: Promise<void>[] = managed.map(async (member) => {
      const provider = this.deps.providers[member.runtime];
      try {
        if (!provider) throw new InvalidStateError(`No provider runs ${member.runtime} nodes here`);
        await provider.restart(member.node as NodeRecord);
        restarted.push(label(member));
      } catch (error) {
        failures.push({ validator: label(member), error: (error as Error).message });
      }
    });
    if (platform.length > 0) {
      work.push(
        (async () => {
          try {
            if (!this.deps.platformValidators) throw new InvalidStateError('No platform validators run here');
            await this.deps.platformValidators.restart(
              network.id,
              platform.map((m) => m.nodeId),
            );
            restarted.push(...platform.map(label));
          } catch (error) {
            failures.push(...platform.map((m) => ({ validator: label(m), error: (error as Error).message })));
          }
        })(),
      );
    }
    await Promise.all(work);
    return { restarted, failures };
  }

  /** Restarts one member on `release` with `flags`. */
  async upgrade(
    network: Network,
    member: FleetMember,
    release: BesuRelease | undefined,
    flags: readonly string[],
  ): Promise<void> {
    if (member.source === 'platform') {
      if (!this.deps.platformValidators) throw new NotFoundError(`${member.name} does not run here`);
      await this.deps.platformValidators.upgrade(network.id, member.nodeId, release, flags);
      return;
    }
    const provider = this.deps.providers[member.runtime];
    if (!provider?.upgrade) {
      throw new InvalidStateError(`Nodes of the ${member.runtime} runtime have no Besu release to change`);
    }
    await provider.upgrade(member.node as NodeRecord, release, flags);
  }

  /** The provider that backs up nodes of this runtime, if it can. */
  backupProvider(runtime: NodeRuntime): Pick<NodeProvider, 'backup' | 'deleteBackup'> | undefined {
    const provider = this.deps.providers[runtime];
    return provider?.backup ? provider : undefined;
  }
}

/** A managed node that is one of the network's validators: by role, or by the address the chain lists. */
function isValidatorNode(node: NodeRecord, network: Network): boolean {
  if (node.role === 'validator') return true;
  const address = node.validatorAddress?.toLowerCase();
  return address !== undefined && network.validators.some((v) => v.toLowerCase() === address);
}
