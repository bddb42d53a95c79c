/**
 * NodeProvider for AWS: one EC2 instance per node, launched from the node fleet's launch template (encrypted gp3,
 * IMDSv2, no SSH; docs/architecture.md, "Deployment"), running Besu as the service in besu-service.ts.
 *
 * The node's files (genesis, Besu config, static nodes) reach the instance one of two ways: in user data
 * (besu-user-data.ts), or, with `nodeFiles`, written to the fleet's configuration bucket before the launch, so the
 * launch template's own boot script fetches them and RunInstances sends no user data (the infrastructure's way).
 * With `releases`, a new node's Besu release file is written there too: the network's recorded release, so a node
 * that joins after (or during) a rolling upgrade boots on it, not on the launch template's pinned one. A replaced
 * instance keeps the node's file as it is: it holds the release the node ran.
 *
 * Idempotency: RunInstances carries a ClientToken derived from the node id and the caller's token, and a node that
 * already has a live instance (found by its `carechain:node` tag) gets that instance back. Throttling is retried
 * by the SDK's own retry strategy (configure `maxAttempts` on the client; `createFleetEc2Client` does).
 * EC2 is eventually consistent: an instance id the API does not know yet, shortly after a launch, is `pending`.
 */

import {
  type _InstanceType,
  type EC2Client,
  type Filter,
  type Instance,
  paginateDescribeInstances,
  RebootInstancesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  type Tag,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { readNodeInfo } from '../../chain/besu/node-info.ts';
import type { NodeRecord, NodeSize } from '../../domain/node.ts';
import { InvalidStateError, NotFoundError, UpstreamError, ValidationError } from '../../errors.ts';
import type { NodeFilePublisher, NodeReleasePublisher } from '../../ports/node-files.ts';
import type { NodeKeyStore } from '../../ports/node-key-store.ts';
import type {
  InventoryItem,
  NodeArtifacts,
  NodeDescription,
  NodeProvider,
  ProvisionSpec,
} from '../../ports/node-provider.ts';
import { renderReleaseFile } from './besu-release-boot.ts';
import { BESU_PORTS } from './besu-service.ts';
import { renderBesuUserData, USER_DATA_LIMIT_BYTES } from './besu-user-data.ts';
import {
  DEFAULT_INSTANCE_TYPES,
  describeInstance,
  ec2ClientToken,
  instanceArn,
  inventoryItemOf,
  isLaunchTemplateRef,
  type LaunchTemplateRef,
  LIVE_STATES,
  mapEc2Error,
  STATE_TO_STATUS,
  subnetForNode,
  TAG_NETWORK,
  TAG_NODE,
  TAG_ORG,
  TAG_STAGE,
  tagValue,
} from './ec2-fleet.ts';
import { DATA_DEVICE, restoredData } from './ec2-node-backups.ts';
import { nodeKeySecretName } from './node-key-secrets.ts';

/** Node states in which the node's instance may have been launched moments ago. */
const LAUNCHING_STATES: ReadonlySet<string> = new Set(['requested', 'provisioning', 'starting']);

export interface Ec2NodeProviderOptions {
  /** One client for the provider's lifetime; its owner destroys it. */
  readonly client: EC2Client;
  /**
   * The node fleet's launch template: one for every size, or one per size (NodeFleetStack). With one per size
   * the template decides the instance type unless `instanceTypes` is given.
   */
  readonly launchTemplate: LaunchTemplateRef | Readonly<Partial<Record<NodeSize, LaunchTemplateRef>>>;
  /** @default DEFAULT_INSTANCE_TYPES with one template, the template's own type with one per size */
  readonly instanceTypes?: Readonly<Record<NodeSize, string>>;
  /** Subnets to launch into, one picked per node (always the same for a node). @default the template's or EC2's */
  readonly subnetIds?: readonly string[];
  /** Publishes the node's files before launch instead of sending them as user data. */
  readonly nodeFiles?: NodeFilePublisher;
  /** Writes a new node's Besu release file (the network's recorded release) before its launch. */
  readonly releases?: NodeReleasePublisher;
  /**
   * Keeps each node's key across instances: made before the first launch, readable only by the node's current
   * instance, removed with the node. Without it, Besu makes a key on the instance's first boot (and a replaced
   * instance comes back with another one).
   */
  readonly nodeKeys?: NodeKeyStore;
  /** With `nodeKeys` and user data: where the boot script fetches the key (`<prefix><nodeId>`). */
  readonly nodeKeySecretPrefix?: string;
  /** Renders a node's files when the caller passes none. */
  readonly renderArtifacts?: (node: NodeRecord, network: ProvisionSpec['network']) => NodeArtifacts;
  /** Tagged on instances and volumes (`carechain:stage`), which IAM requires before it lets the stage operate them. */
  readonly stage?: string;
  /** Besu's JSON-RPC port on the instance's private address. @default 8545 */
  readonly rpcPort?: number;
  /** @default 30303 */
  readonly p2pPort?: number;
  /** How long `describe` waits for a running node's `admin_nodeInfo` (its enode). @default 2000 */
  readonly nodeInfoTimeoutMs?: number;
  /** Besu's install directory in the fleet image. @default '/opt/besu' */
  readonly besuHome?: string;
  /** How long after a node entered a launching state an unknown instance id counts as pending. @default 300_000 */
  readonly launchGraceMs?: number;
  readonly now?: () => number;
}

export class Ec2NodeProvider implements NodeProvider {
  readonly runtime = 'ec2' as const;
  readonly #client: EC2Client;
  readonly #options: Ec2NodeProviderOptions;
  readonly #instanceTypes: Readonly<Record<NodeSize, string>>;
  readonly #now: () => number;

  constructor(options: Ec2NodeProviderOptions) {
    this.#client = options.client;
    this.#options = options;
    this.#instanceTypes = options.instanceTypes ?? DEFAULT_INSTANCE_TYPES;
    this.#now = options.now ?? Date.now;
  }

  /** Idempotent: a live instance tagged with the node is returned as is; otherwise the ClientToken dedupes. */
  async provision(spec: ProvisionSpec): Promise<{ readonly providerRef: string }> {
    const launch = { ...this.#prepareLaunch(spec.node, spec.network, spec.artifacts), ...restoredData(spec) };
    const [existing] = await this.#liveInstancesOf(spec.node.id);
    if (existing?.InstanceId) return { providerRef: existing.InstanceId };
    // No flags: a plan's flags are for nodes it moves while others still run the release it moves them from.
    const releaseFile = renderReleaseFile(spec.network.besuRelease, []);
    await this.#options.releases?.publishRelease(spec.node.id, releaseFile);
    return this.#launch(spec.node, spec.network, launch, spec.clientToken);
  }

  /**
   * Replaces the node's instance: terminates the one recorded on the node, then launches a new one like `provision`
   * (same tags, launch template and subnet) under the attempt's own token. The old instance is terminated first so
   * the node is never billed twice, and only that one, so a repeated call never terminates the instance an earlier
   * call with the same token launched; RunInstances' ClientToken then returns that instance again.
   */
  async replace(
    node: NodeRecord,
    network: ProvisionSpec['network'],
    clientToken: string,
  ): Promise<{ readonly providerRef: string }> {
    const launch = this.#prepareLaunch(node, network, undefined);
    await this.#assertKeyOutlivesInstance(node);
    if (node.providerRef) {
      try {
        await this.#call('TerminateInstances', () =>
          this.#client.send(new TerminateInstancesCommand({ InstanceIds: [node.providerRef as string] })),
        );
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    return this.#launch(node, network, launch, clientToken);
  }

  /**
   * With a key store, every node launched since has its key there, made before its first launch. A node without
   * one was launched before: its key exists only on its instance's volume, and a replacement would come back with
   * another key, so another enode and validator address, which a validator set cannot follow. Such a node is not
   * replaced; the error says what to do.
   */
  async #assertKeyOutlivesInstance(node: NodeRecord): Promise<void> {
    const keys = this.#options.nodeKeys;
    if (!keys || (await keys.find(node.id))) return;
    throw new InvalidStateError(
      `Node ${node.id}'s key exists only on its instance ${node.providerRef ?? '(unknown)'}, launched before node ` +
        'keys were kept in Secrets Manager: a new instance would be another node to its peers (another enode and ' +
        'validator address). Recover the instance, or store its key under the node-keys prefix first.',
    );
  }

  #prepareLaunch(
    node: NodeRecord,
    network: ProvisionSpec['network'],
    given: NodeArtifacts | undefined,
  ): { artifacts: NodeArtifacts; userData: string | undefined } {
    if (node.runtime !== 'ec2') throw new ValidationError(`Node ${node.id} runs on ${node.runtime}, not EC2`);
    if (node.networkId !== network.id) {
      throw new ValidationError(`Node ${node.id} belongs to network ${node.networkId}, not ${network.id}`);
    }
    const artifacts = given ?? this.#options.renderArtifacts?.(node, network);
    if (!artifacts) throw new ValidationError('An EC2 node needs its genesis and Besu configuration');
    const keySecret = this.#options.nodeKeySecretPrefix;
    const userData = this.#options.nodeFiles
      ? undefined
      : renderBesuUserData(artifacts, this.#options.besuHome, keySecret && nodeKeySecretName(keySecret, node.id));
    if (userData !== undefined && Buffer.byteLength(userData) > USER_DATA_LIMIT_BYTES) {
      throw new ValidationError(`The node's boot files exceed EC2's ${USER_DATA_LIMIT_BYTES}-byte user data limit`);
    }
    this.#launchSettings(node.size);
    return { artifacts, userData };
  }

  async #launch(
    node: NodeRecord,
    network: ProvisionSpec['network'],
    {
      artifacts,
      userData,
      dataSnapshotId,
    }: { artifacts: NodeArtifacts; userData: string | undefined; dataSnapshotId?: string },
    clientToken: string,
  ): Promise<{ readonly providerRef: string }> {
    const { template, instanceType } = this.#launchSettings(node.size);
    // Before the launch: the instance's boot script reads them as soon as it starts.
    await this.#options.nodeKeys?.ensure(node);
    await this.#options.nodeFiles?.publish(node.id, artifacts);
    const tags: Tag[] = [
      { Key: 'Name', Value: `carechain-${node.name}`.slice(0, 255) },
      { Key: TAG_ORG, Value: node.orgId },
      { Key: TAG_NODE, Value: node.id },
      { Key: TAG_NETWORK, Value: network.id },
      ...(this.#options.stage ? [{ Key: TAG_STAGE, Value: this.#options.stage }] : []),
    ];
    const subnetId = subnetForNode(node.id, this.#options.subnetIds ?? []);
    const output = await this.#call('RunInstances', () =>
      this.#client.send(
        new RunInstancesCommand({
          LaunchTemplate: { LaunchTemplateId: template.id, Version: template.version },
          ...(instanceType && { InstanceType: instanceType as _InstanceType }),
          ...(subnetId && { SubnetId: subnetId }),
          MinCount: 1,
          MaxCount: 1,
          ClientToken: ec2ClientToken(node.id, clientToken),
          ...(userData !== undefined && { UserData: Buffer.from(userData).toString('base64') }),
          // A restore: the chain-data volume starts from the backup's snapshot instead of empty.
          ...(dataSnapshotId && {
            BlockDeviceMappings: [{ DeviceName: DATA_DEVICE, Ebs: { SnapshotId: dataSnapshotId } }],
          }),
          TagSpecifications: [
            { ResourceType: 'instance', Tags: tags },
            { ResourceType: 'volume', Tags: tags },
          ],
        }),
      ),
    );
    const instanceId = output.Instances?.[0]?.InstanceId;
    if (!instanceId) throw new UpstreamError('EC2 RunInstances returned no instance');
    // The boot script retries until the key is readable, which is from here on (and for this instance only).
    if (this.#options.nodeKeys) {
      await this.#options.nodeKeys.assignTo(node.id, await this.#instanceArn(instanceId, output.OwnerId));
    }
    return { providerRef: instanceId };
  }

  async #instanceArn(instanceId: string, account: string | undefined): Promise<string> {
    if (!account) throw new UpstreamError('EC2 RunInstances returned no owner account');
    return instanceArn(await this.#client.config.region(), account, instanceId);
  }

  async describe(node: NodeRecord): Promise<NodeDescription> {
    const instanceId = node.providerRef ?? (await this.#liveInstancesOf(node.id))[0]?.InstanceId;
    if (!instanceId) return { status: 'missing', sharedChain: false, detail: 'No instance exists for this node.' };
    const instance = await describeInstance(this.#client, instanceId);
    if (!instance) return this.#unknownInstance(node, instanceId);
    const owner = tagValue(instance.Tags, TAG_NODE);
    if (owner !== undefined && owner !== node.id) {
      return { status: 'missing', sharedChain: false, detail: `Instance ${instanceId} belongs to node ${owner}.` };
    }
    return this.#withNodeInfo(this.#description(instance));
  }

  /**
   * Adds the enode and node address the node itself reports (`admin_nodeInfo` on its private JSON-RPC port, which
   * admits only the control plane). Until Besu answers, the node has neither, and the detail says why.
   */
  async #withNodeInfo(description: NodeDescription): Promise<NodeDescription> {
    if (description.rpcUrl === undefined) return description;
    const info = await readNodeInfo(description.rpcUrl, this.#options.nodeInfoTimeoutMs ?? 2_000);
    if (!info) {
      return { ...description, detail: `${description.detail} Besu has not reported its enode yet (admin_nodeInfo).` };
    }
    return { ...description, enode: info.enode, validatorAddress: info.nodeAddress };
  }

  /** Idempotent: starting a running instance is a no-op in EC2. */
  async start(node: NodeRecord): Promise<void> {
    const instanceId = await this.#instanceIdOf(node);
    await this.#call('StartInstances', () =>
      this.#client.send(new StartInstancesCommand({ InstanceIds: [instanceId] })),
    );
  }

  /** Idempotent: stopping a stopped instance is a no-op in EC2. The EBS volume (chain data) is kept. */
  async stop(node: NodeRecord): Promise<void> {
    const instanceId = await this.#instanceIdOf(node);
    await this.#call('StopInstances', () => this.#client.send(new StopInstancesCommand({ InstanceIds: [instanceId] })));
  }

  /** Reboots the instance (the monitor's first recovery steps; `replace` is its last). */
  async restart(node: NodeRecord): Promise<void> {
    const instanceId = await this.#instanceIdOf(node);
    await this.#call('RebootInstances', () =>
      this.#client.send(new RebootInstancesCommand({ InstanceIds: [instanceId] })),
    );
  }

  /**
   * Terminates the node's instance and any other live instance tagged with the node (a launch whose id was never
   * recorded). Idempotent: terminated or unknown instances are fine.
   */
  async deprovision(node: NodeRecord): Promise<void> {
    const tagged = (await this.#liveInstancesOf(node.id)).flatMap((instance) => instance.InstanceId ?? []);
    const instanceIds = [...new Set([...(node.providerRef ? [node.providerRef] : []), ...tagged])];
    for (const instanceId of instanceIds) {
      try {
        await this.#call('TerminateInstances', () =>
          this.#client.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })),
        );
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    await this.#options.nodeKeys?.remove(node.id);
  }

  /** Every live instance carrying a `carechain:node` tag, all pages or an error (never a partial list). */
  async inventory(): Promise<readonly InventoryItem[]> {
    const instances = await this.#describeAll([
      { Name: 'tag-key', Values: [TAG_NODE] },
      { Name: 'instance-state-name', Values: [...LIVE_STATES] },
    ]);
    return instances.flatMap((instance) => inventoryItemOf(instance) ?? []);
  }

  /** The client belongs to whoever passed it in; nothing else is held. */
  async close(): Promise<void> {}

  #launchSettings(size: NodeSize): { template: LaunchTemplateRef; instanceType: string | undefined } {
    const { launchTemplate, instanceTypes } = this.#options;
    if (isLaunchTemplateRef(launchTemplate)) {
      return { template: launchTemplate, instanceType: this.#instanceTypes[size] };
    }
    const template = launchTemplate[size];
    if (!template) throw new ValidationError(`This deployment has no launch template for ${size} nodes`);
    return { template, instanceType: instanceTypes?.[size] };
  }

  #description(instance: Instance): NodeDescription {
    const status = STATE_TO_STATUS[instance.State?.Name ?? 'pending'];
    const address = instance.PrivateIpAddress;
    const serving = status === 'running' && address !== undefined;
    const reason = instance.StateReason?.Message;
    return {
      status,
      sharedChain: false,
      ...(serving && {
        rpcUrl: `http://${address}:${this.#options.rpcPort ?? BESU_PORTS.jsonRpc}`,
        p2pPort: this.#options.p2pPort ?? BESU_PORTS.p2p,
      }),
      detail: `EC2 instance ${instance.InstanceId} (${instance.InstanceType ?? 'unknown type'}) is ${
        instance.State?.Name ?? 'pending'
      }${reason ? `: ${reason}` : ''}.`,
    };
  }

  #unknownInstance(node: NodeRecord, instanceId: string): NodeDescription {
    const sinceChange = this.#now() - Date.parse(node.stateChangedAt);
    if (LAUNCHING_STATES.has(node.state) && sinceChange < (this.#options.launchGraceMs ?? 300_000)) {
      return { status: 'pending', sharedChain: false, detail: `EC2 does not list instance ${instanceId} yet.` };
    }
    return { status: 'missing', sharedChain: false, detail: `EC2 does not know instance ${instanceId}.` };
  }

  async #instanceIdOf(node: NodeRecord): Promise<string> {
    const instanceId = node.providerRef ?? (await this.#liveInstancesOf(node.id))[0]?.InstanceId;
    if (!instanceId) throw new NotFoundError(`Node ${node.id} has no instance`);
    return instanceId;
  }

  async #liveInstancesOf(nodeId: string): Promise<Instance[]> {
    const instances = await this.#describeAll([
      { Name: `tag:${TAG_NODE}`, Values: [nodeId] },
      { Name: 'instance-state-name', Values: [...LIVE_STATES] },
    ]);
    return instances.sort((a, b) => (a.LaunchTime?.getTime() ?? 0) - (b.LaunchTime?.getTime() ?? 0));
  }

  async #describeAll(filters: Filter[]): Promise<Instance[]> {
    return this.#call('DescribeInstances', async () => {
      const instances: Instance[] = [];
      const pages = paginateDescribeInstances({ client: this.#client, pageSize: 1000 }, { Filters: filters });
      for await (const page of pages) {
        for (const reservation of page.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
      }
      return instances;
    });
  }

  /** Runs one EC2 call (already retried by the SDK) and turns its failure into a named error. */
  async #call<T>(action: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw mapEc2Error(action, error);
    }
  }
}
