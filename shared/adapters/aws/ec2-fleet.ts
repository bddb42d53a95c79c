/**
 * What the EC2 node provider shares with whoever launches or finds fleet instances: the tags that name an
 * instance's node, the instance types per size, the client with the SDK's retries, the deterministic launch token
 * and subnet of a node, and the mapping of EC2's failures to the control plane's named errors.
 */
import { createHash } from 'node:crypto';
import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandOutput,
  EC2Client,
  type Instance,
  type InstanceStateName,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { NodeSize } from '../../domain/node.ts';
import {
  type AppError,
  InvalidStateError,
  NotFoundError,
  ServiceUnavailableError,
  UpstreamError,
  ValidationError,
} from '../../errors.ts';
import type { InventoryItem, ProviderNodeStatus } from '../../ports/node-provider.ts';

export const TAG_ORG = 'carechain:org';
export const TAG_NODE = 'carechain:node';
export const TAG_NETWORK = 'carechain:network';
export const TAG_STAGE = 'carechain:stage';

/**
 * Instance type per node size: Graviton general purpose (Besu runs on the JVM, arm64 is cheaper per vCPU).
 * small 2 vCPU / 8 GiB, medium 4 vCPU / 16 GiB, large 8 vCPU / 32 GiB.
 */
export const DEFAULT_INSTANCE_TYPES: Readonly<Record<NodeSize, string>> = {
  small: 'm7g.large',
  medium: 'm7g.xlarge',
  large: 'm7g.2xlarge',
};

export type LaunchTemplateRef = { readonly id: string; readonly version: string };

/** One template for every size, as opposed to a template per size. */
export function isLaunchTemplateRef(value: object): value is LaunchTemplateRef {
  return typeof (value as { id?: unknown }).id === 'string';
}

/** The instance's ARN, the identity its node key's secret is handed to. */
export function instanceArn(region: string, account: string, instanceId: string): string {
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:ec2:${region}:${account}:instance/${instanceId}`;
}

/** Instance states in which an instance exists and may serve again. */
export const LIVE_STATES: readonly InstanceStateName[] = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

export const STATE_TO_STATUS: Readonly<Record<InstanceStateName, ProviderNodeStatus>> = {
  pending: 'pending',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped',
  'shutting-down': 'terminating',
  terminated: 'terminated',
};

/** An EC2 client for the fleet with the SDK's standard retry strategy (throttling backs off and retries). */
export function createFleetEc2Client(options: { readonly region: string; readonly maxAttempts?: number }): EC2Client {
  return new EC2Client({ region: options.region, maxAttempts: options.maxAttempts ?? 5, retryMode: 'standard' });
}

/** Deterministic RunInstances token (at most 64 ASCII characters): same node and caller token, same instance. */
export function ec2ClientToken(nodeId: string, clientToken: string): string {
  return `cc-${createHash('sha256').update(`${nodeId}\n${clientToken}`).digest('hex').slice(0, 48)}`;
}

/** The same subnet for every attempt of a node, so a retried RunInstances matches its ClientToken. */
export function subnetForNode(nodeId: string, subnetIds: readonly string[]): string | undefined {
  if (subnetIds.length === 0) return undefined;
  return subnetIds[createHash('sha256').update(nodeId).digest().readUInt32BE(0) % subnetIds.length];
}

export function tagValue(tags: readonly Tag[] | undefined, key: string): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value;
}

/** An instance as EC2 describes it, with the account that owns it (its ARN names it). */
export type DescribedInstance = Instance & { readonly owner?: string };

/** The instance EC2 knows by this id, or undefined when it knows none; other failures are mapped and thrown. */
export async function describeInstance(client: EC2Client, instanceId: string): Promise<DescribedInstance | undefined> {
  let answer: DescribeInstancesCommandOutput;
  try {
    answer = await client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  } catch (error) {
    const mapped = mapEc2Error('DescribeInstances', error);
    if (mapped instanceof NotFoundError) return undefined;
    throw mapped;
  }
  const reservation = answer.Reservations?.find((r) => (r.Instances?.length ?? 0) > 0);
  const instance = reservation?.Instances?.[0];
  return instance && { ...instance, ...(reservation?.OwnerId !== undefined && { owner: reservation.OwnerId }) };
}

/**
 * The node's own instance: the one EC2 knows by `instanceId`, tagged for that node. Anything else is refused, so a
 * stale or wrong record never has the platform stop, reboot or snapshot another node's instance.
 */
export async function instanceOfNode(
  client: EC2Client,
  nodeId: string,
  instanceId: string,
): Promise<DescribedInstance> {
  const instance = await describeInstance(client, instanceId);
  if (!instance) throw new InvalidStateError(`EC2 does not know instance ${instanceId} of node ${nodeId}`);
  const owner = tagValue(instance.Tags, TAG_NODE);
  if (owner !== nodeId) {
    throw new InvalidStateError(`EC2 instance ${instanceId} is not node ${nodeId}'s (tagged ${owner ?? 'with none'})`);
  }
  return instance;
}

/** Runs into one EC2 failure: its name says which, and it keeps the SDK error as its cause. */
export function mapEc2Error(action: string, error: unknown): AppError {
  const name = error instanceof Error ? error.name : 'UnknownError';
  const message = `EC2 ${action} failed: ${name}`;
  switch (name) {
    case 'InvalidInstanceID.NotFound':
      return new NotFoundError(message, { cause: error });
    case 'InvalidInstanceID.Malformed':
      return new ValidationError(message, [], { cause: error });
    case 'IncorrectInstanceState':
    case 'IncorrectState':
      return new InvalidStateError(`${message}: the instance is not in a state that allows it`, { cause: error });
    case 'InsufficientInstanceCapacity':
    case 'RequestLimitExceeded':
      return new ServiceUnavailableError(message, { cause: error });
    default:
      return new UpstreamError(message, { cause: error });
  }
}

/** What an instance's tags say about the node it runs, for the reconciler's orphan sweep. */
export function inventoryItemOf(instance: Instance): InventoryItem | undefined {
  if (!instance.InstanceId) return undefined;
  const nodeId = tagValue(instance.Tags, TAG_NODE);
  const networkId = tagValue(instance.Tags, TAG_NETWORK);
  const orgId = tagValue(instance.Tags, TAG_ORG);
  return {
    providerRef: instance.InstanceId,
    ...(nodeId && { nodeId }),
    ...(networkId && { networkId }),
    ...(orgId && { orgId }),
    status: STATE_TO_STATUS[instance.State?.Name ?? 'pending'],
  };
}
