/**
 * Rolling Besu upgrades of EC2 nodes (docs/architecture.md, "Fleet operations"): the node's release (version,
 * SHA-256, the plan's flags) is written to its folder in the node configuration bucket, where the release step of
 * Besu's service reads it before every start (besu-release-boot.ts), then the instance is rebooted (started, if it
 * was stopped). At boot the step downloads the release, verifies its SHA-256, switches `/opt/besu` to it and starts
 * Besu with the flags; the upgrade runner then waits, unchanged, for the node to answer on the new version at the
 * network's head. A rollback is the same call with the previous release.
 *
 * The release file is written before the reboot and only to a node whose instance is known and its own (the
 * `carechain:node` tag), so a retried call writes the same file and reboots again, nothing more. An instance in a
 * state that cannot be rebooted (stopping, terminated) is refused with the state, which pauses the plan.
 */
import { type EC2Client, RebootInstancesCommand, StartInstancesCommand } from '@aws-sdk/client-ec2';
import type { BesuRelease } from '../../domain/besu-release.ts';
import type { NodeRecord } from '../../domain/node.ts';
import { InvalidStateError } from '../../errors.ts';
import type { NodeReleasePublisher } from '../../ports/node-files.ts';
import type { NodeProvider } from '../../ports/node-provider.ts';
import { renderReleaseFile } from './besu-release-boot.ts';
import { instanceOfNode, mapEc2Error } from './ec2-fleet.ts';

export interface Ec2NodeUpgradesOptions {
  readonly client: EC2Client;
  /** The node configuration bucket's writer (S3NodeFiles). */
  readonly releases: NodeReleasePublisher;
}

export class Ec2NodeUpgrades implements Pick<NodeProvider, 'upgrade'> {
  constructor(private readonly options: Ec2NodeUpgradesOptions) {}

  async upgrade(node: NodeRecord, release: BesuRelease | undefined, flags: readonly string[]): Promise<void> {
    const instanceId = node.providerRef;
    if (node.runtime !== 'ec2' || !instanceId) {
      throw new InvalidStateError(`Node ${node.id} has no EC2 instance to upgrade`);
    }
    // Refused here, before anything changes, if the release or a flag is not one the boot accepts.
    const releaseFile = renderReleaseFile(release, flags);
    const state = await this.#stateOf(node, instanceId);
    if (state !== 'running' && state !== 'stopped' && state !== 'pending') {
      throw new InvalidStateError(`EC2 instance ${instanceId} of node ${node.id} is ${state}: it cannot be upgraded`);
    }
    await this.options.releases.publishRelease(node.id, releaseFile);
    // A pending instance is booting: its Besu starts on the release just written.
    if (state === 'pending') return;
    const ids = { InstanceIds: [instanceId] };
    await this.#call(state === 'running' ? 'RebootInstances' : 'StartInstances', () =>
      state === 'running'
        ? this.options.client.send(new RebootInstancesCommand(ids))
        : this.options.client.send(new StartInstancesCommand(ids)),
    );
  }

  async #stateOf(node: NodeRecord, instanceId: string): Promise<string> {
    return (await instanceOfNode(this.options.client, node.id, instanceId)).State?.Name ?? 'pending';
  }

  async #call<T>(action: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw mapEc2Error(action, error);
    }
  }
}
