/**
 * IAM for operating the node fleet. RunInstances is allowed only through the fleet's launch templates, only
 * into the fleet VPC, only with the template's own image and security group, and only when the request tags
 * the instance with its node and organisation. Tags can be written only as part of that launch. Start, stop,
 * reboot and terminate apply only to instances tagged as nodes of this stage: nothing else in the account can
 * be stopped or terminated by the control plane.
 */
import { Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { DeploymentError } from '../../shared/errors.ts';
import { RESOURCE_TAG } from './resource-tags.ts';

export interface FleetControlOptions {
  readonly launchTemplates: readonly ec2.ILaunchTemplate[];
  readonly vpc: ec2.IVpc;
  /** The role the launch templates give instances; RunInstances must pass it. */
  readonly nodeRole: iam.IRole;
  /** Instances of other stages carry another `carechain:stage` and stay out of reach. */
  readonly stage: string;
}

/** Tags the control plane must put on every instance it launches. */
export const REQUIRED_INSTANCE_TAGS = [RESOURCE_TAG.node, RESOURCE_TAG.org] as const;

function ec2ArnIn(scope: IConstruct, resource: string, resourceName: string, account?: string): string {
  return Stack.of(scope).formatArn({
    service: 'ec2',
    resource,
    resourceName,
    ...(account !== undefined && { account }),
  });
}

/** The wildcard resources of the fleet-control statements, each with why it cannot be narrower. */
export function fleetControlWildcards(scope: IConstruct): [resource: string, reason: string][] {
  const ec2Arn = ec2ArnIn;
  return [
    [
      ec2Arn(scope, 'instance', '*'),
      'Instances are launched at run time; launching requires a fleet launch template and the carechain:node and ' +
        'carechain:org request tags, and start/stop/reboot/terminate require the carechain:node tag and this stage.',
    ],
    [
      ec2Arn(scope, 'image', '*', ''),
      'The AMI comes from the launch template (a public Amazon Linux image resolved at deploy time); the statement ' +
        'requires ec2:IsLaunchTemplateResource, so a request cannot substitute another image.',
    ],
    [
      ec2Arn(scope, 'security-group', '*'),
      'The security group comes from the launch template; the statement requires ec2:IsLaunchTemplateResource.',
    ],
    [
      ec2Arn(scope, 'subnet', '*'),
      'The provider picks a node subnet per launch; the statement requires the fleet VPC (ec2:Vpc) and a fleet ' +
        'launch template.',
    ],
    [
      ec2Arn(scope, 'volume', '*'),
      "Volumes are created by the launch from the template's block devices (encrypted gp3); their ids are unknown " +
        'beforehand. Tags only while launching (ec2:CreateAction); snapshots only of volumes tagged with a node of ' +
        'this stage.',
    ],
    [
      ec2Arn(scope, 'snapshot', '*', ''),
      'Backup snapshots are made at run time, so their ids are unknown beforehand; creating one requires the ' +
        'carechain:node request tag (tags only while creating), restoring and deleting require the carechain:node ' +
        'tag and this stage.',
    ],
    [
      ec2Arn(scope, 'network-interface', '*'),
      "The launch creates the instance's network interface; its id is unknown beforehand. Tags only while " +
        'launching (ec2:CreateAction).',
    ],
  ];
}

export function fleetControlStatements(scope: IConstruct, options: FleetControlOptions): iam.PolicyStatement[] {
  const ec2Arn = (resource: string, resourceName: string, account?: string) =>
    ec2ArnIn(scope, resource, resourceName, account);
  const templateArns = options.launchTemplates.map((template) => {
    if (!template.launchTemplateId) throw new DeploymentError('Fleet launch templates must have an id');
    return ec2Arn('launch-template', template.launchTemplateId);
  });
  const fromFleetTemplate = { ArnLike: { 'ec2:LaunchTemplate': templateArns } };
  const ownNode = {
    Null: { [`aws:ResourceTag/${RESOURCE_TAG.node}`]: 'false' },
    StringEquals: { [`aws:ResourceTag/${RESOURCE_TAG.stage}`]: options.stage },
  };

  return [
    new iam.PolicyStatement({
      sid: 'LaunchFromFleetTemplates',
      actions: ['ec2:RunInstances'],
      resources: templateArns,
    }),
    new iam.PolicyStatement({
      sid: 'LaunchTaggedNodeInstances',
      actions: ['ec2:RunInstances'],
      resources: [ec2Arn('instance', '*')],
      conditions: {
        ...fromFleetTemplate,
        Null: Object.fromEntries(REQUIRED_INSTANCE_TAGS.map((tag) => [`aws:RequestTag/${tag}`, 'false'])),
      },
    }),
    new iam.PolicyStatement({
      sid: 'LaunchWithTemplateImageAndSecurityGroup',
      actions: ['ec2:RunInstances'],
      resources: [ec2Arn('image', '*', ''), ec2Arn('security-group', '*')],
      conditions: { ...fromFleetTemplate, Bool: { 'ec2:IsLaunchTemplateResource': 'true' } },
    }),
    new iam.PolicyStatement({
      sid: 'LaunchIntoFleetSubnets',
      actions: ['ec2:RunInstances'],
      resources: [ec2Arn('subnet', '*')],
      conditions: { ...fromFleetTemplate, ArnEquals: { 'ec2:Vpc': vpcArn(scope, options.vpc) } },
    }),
    new iam.PolicyStatement({
      sid: 'LaunchWithVolumesAndInterfaces',
      actions: ['ec2:RunInstances'],
      resources: [ec2Arn('volume', '*'), ec2Arn('network-interface', '*')],
      conditions: fromFleetTemplate,
    }),
    new iam.PolicyStatement({
      sid: 'TagOnlyWhileLaunching',
      actions: ['ec2:CreateTags'],
      resources: [ec2Arn('instance', '*'), ec2Arn('volume', '*'), ec2Arn('network-interface', '*')],
      conditions: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
    }),
    new iam.PolicyStatement({
      sid: 'OperateOwnNodes',
      actions: ['ec2:StartInstances', 'ec2:StopInstances', 'ec2:RebootInstances', 'ec2:TerminateInstances'],
      resources: [ec2Arn('instance', '*')],
      conditions: ownNode,
    }),
    // Backups: the chain-data volume of an own node is snapshotted (tagged as it is made) and restored into a new
    // node's launch; only snapshots of this stage's nodes are deleted.
    new iam.PolicyStatement({
      sid: 'SnapshotOwnNodeVolumes',
      actions: ['ec2:CreateSnapshot'],
      resources: [ec2Arn('volume', '*')],
      conditions: ownNode,
    }),
    new iam.PolicyStatement({
      sid: 'CreateTaggedNodeSnapshots',
      actions: ['ec2:CreateSnapshot'],
      resources: [ec2Arn('snapshot', '*', '')],
      conditions: { Null: { [`aws:RequestTag/${RESOURCE_TAG.node}`]: 'false' } },
    }),
    new iam.PolicyStatement({
      sid: 'TagSnapshotsWhileCreating',
      actions: ['ec2:CreateTags'],
      resources: [ec2Arn('snapshot', '*', '')],
      conditions: { StringEquals: { 'ec2:CreateAction': 'CreateSnapshot' } },
    }),
    new iam.PolicyStatement({
      sid: 'RestoreOwnNodeSnapshots',
      actions: ['ec2:RunInstances'],
      resources: [ec2Arn('snapshot', '*', '')],
      conditions: { ...fromFleetTemplate, ...ownNode },
    }),
    new iam.PolicyStatement({
      sid: 'DeleteOwnNodeSnapshots',
      actions: ['ec2:DeleteSnapshot'],
      resources: [ec2Arn('snapshot', '*', '')],
      conditions: ownNode,
    }),
    ...fleetDescribeStatements(),
    // A backup step looks its snapshot up by the backup's tag before making one, so a repeated step makes no second.
    new iam.PolicyStatement({
      sid: 'FindBackupSnapshots',
      actions: ['ec2:DescribeSnapshots'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'PassNodeRoleToInstances',
      actions: ['iam:PassRole'],
      resources: [options.nodeRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    }),
  ];
}

/** Read-only inventory: the instance describe calls support no resource-level restriction. */
export function fleetDescribeStatements(): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'DescribeInstances',
      actions: ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus'],
      resources: ['*'],
    }),
  ];
}

function vpcArn(scope: IConstruct, vpc: ec2.IVpc): string {
  return Stack.of(scope).formatArn({ service: 'ec2', resource: 'vpc', resourceName: vpc.vpcId });
}
