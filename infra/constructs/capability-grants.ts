/**
 * What each catalog capability grants a function's role, in one place so the whole permission model can be
 * reviewed at once. A grant whose resource has to be a wildcard acknowledges that cdk-nag finding right where
 * it is created, with the reason the wildcard cannot be narrower.
 */
import { Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { CareChainFunction } from './carechain-function.ts';
import { fleetControlStatements, fleetControlWildcards, fleetDescribeStatements } from './fleet-control-permissions.ts';
import type { Capability } from './function-catalog.ts';
import { wildcardResourceFinding } from './nag-finding-ids.ts';
import { memberBackupCopyStatements } from './node-backup-bucket.ts';
import { NODE_CONFIG_PREFIX } from './node-config-bucket.ts';
import {
  createNodeKeyStatements,
  manageNodeKeyStatements,
  NODE_KEY_SECRETS_WILDCARD_REASON,
  nodeKeySecretsArn,
} from './node-key-permissions.ts';
import { UNHEALTHY_NODES_METRIC } from './operations-monitoring.ts';
import { TENANT_TABLE_ACTIONS, type TenantRole } from './tenant-role.ts';
import type { WebSocketApi } from './websocket-api.ts';

/** The resources capabilities refer to. */
export interface CapabilityResources {
  readonly table: dynamodb.ITable;
  readonly platformKey: kms.IKey;
  /** Assumed, tagged with one organisation, to act for it. */
  readonly tenantRole: TenantRole;
  /** The HMAC_256 key of personal-data evidence. */
  readonly evidenceKey: kms.IKey;
  readonly provisioningQueue: sqs.IQueue;
  readonly stripeSecret: secretsmanager.ISecret;
  readonly nodeConfigBucket: s3.IBucket;
  /** The node fleet stack's backup bucket, by name. */
  readonly nodeBackupBucketName: string;
  readonly launchTemplates: readonly ec2.ILaunchTemplate[];
  readonly fleetVpc: ec2.IVpc;
  readonly nodeRole: iam.IRole;
  /** Encrypts the node-key secrets (NodeFleetStack's). */
  readonly nodeKeyEncryptionKey: kms.IKey;
  readonly stage: string;
  /** The symmetric key webhook signing secrets are sealed with. */
  readonly webhookKey: kms.IKey;
  /** The gateway's WebSocket API (its connections are pushed to and closed). */
  readonly webSocketApi: WebSocketApi;
}

/** Item operations only: no Scan (every access pattern is a key look-up), no table administration. */
export const TABLE_ITEM_ACTIONS = [...TENANT_TABLE_ACTIONS, 'dynamodb:DescribeTable'];

const DESCRIBE_REASON =
  'ec2:DescribeInstances and ec2:DescribeInstanceStatus support no resource-level permissions; they are read-only.';
const FLEET_DESCRIBE_REASON =
  'ec2:DescribeInstances, ec2:DescribeInstanceStatus and ec2:DescribeSnapshots (a backup finds its own snapshot by ' +
  'tag) support no resource-level permissions; they are read-only.';

export function grantCapability(fn: CareChainFunction, capability: Capability, resources: CapabilityResources): void {
  const add = (...statements: iam.PolicyStatement[]) => {
    for (const statement of statements) fn.role.addToPolicy(statement);
  };
  const wildcard = (resource: string, reason: string) => {
    Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge({
      id: wildcardResourceFinding(fn.role, resource),
      reason,
    });
  };
  const { table, platformKey } = resources;

  switch (capability) {
    case 'table-read-write': {
      const indexes = `${table.tableArn}/index/*`;
      add(
        new iam.PolicyStatement({
          sid: 'TableItems',
          actions: TABLE_ITEM_ACTIONS,
          resources: [table.tableArn, indexes],
        }),
      );
      wildcard(indexes, "Look-ups by secondary key query GSI1 and GSI2; <table>/index/* is only this table's indexes.");
      break;
    }
    case 'tenant-sessions':
      resources.tenantRole.trust(fn.role);
      break;
    case 'platform-key-read':
      add(
        new iam.PolicyStatement({
          sid: 'ReadPlatformPublicKey',
          actions: ['kms:GetPublicKey'],
          resources: [platformKey.keyArn],
        }),
      );
      break;
    case 'platform-key-sign':
      add(
        new iam.PolicyStatement({
          sid: 'SignWithPlatformKey',
          actions: ['kms:Sign'],
          resources: [platformKey.keyArn],
          conditions: { StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' } },
        }),
      );
      break;
    case 'evidence-mac':
      add(
        new iam.PolicyStatement({
          sid: 'HashEvidenceWithEvidenceKey',
          actions: ['kms:GenerateMac'],
          resources: [resources.evidenceKey.keyArn],
          conditions: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } },
        }),
      );
      break;
    case 'provisioning-send':
      resources.provisioningQueue.grantSendMessages(fn.role);
      break;
    case 'fleet-control': {
      const nodeConfigObjects = resources.nodeConfigBucket.arnForObjects(`${NODE_CONFIG_PREFIX}*`);
      add(
        ...fleetControlStatements(fn, {
          launchTemplates: resources.launchTemplates,
          vpc: resources.fleetVpc,
          nodeRole: resources.nodeRole,
          stage: resources.stage,
        }),
        new iam.PolicyStatement({
          sid: 'PublishNodeConfiguration',
          actions: ['s3:PutObject'],
          resources: [nodeConfigObjects],
        }),
        ...manageNodeKeyStatements(fn, { stage: resources.stage, encryptionKey: resources.nodeKeyEncryptionKey }),
      );
      for (const [resource, reason] of fleetControlWildcards(fn)) wildcard(resource, reason);
      wildcard(nodeKeySecretsArn(fn, resources.stage), NODE_KEY_SECRETS_WILDCARD_REASON.manage);
      wildcard('*', FLEET_DESCRIBE_REASON);
      wildcard(
        nodeConfigObjects,
        "The reconciler writes each node's genesis, config.toml and static-nodes under nodes/<nodeId>/ before " +
          'launching it; node ids are created at run time.',
      );
      break;
    }
    case 'node-key-create':
      add(...createNodeKeyStatements(fn, { stage: resources.stage, encryptionKey: resources.nodeKeyEncryptionKey }));
      wildcard(nodeKeySecretsArn(fn, resources.stage), NODE_KEY_SECRETS_WILDCARD_REASON.create);
      break;
    case 'fleet-describe':
      add(...fleetDescribeStatements());
      wildcard('*', DESCRIBE_REASON);
      break;
    case 'member-backup-copies': {
      const statements = memberBackupCopyStatements(resources.nodeBackupBucketName);
      add(...statements);
      wildcard(statements[0]?.resources[0] as string, 'Archives are named by instance and backup at run time.');
      wildcard(
        statements[1]?.resources[0] as string,
        "Members name their own buckets at run time; puts need bucket-owner-full-control and another account's bucket.",
      );
      break;
    }
    case 'stripe-secret':
      resources.stripeSecret.grantRead(fn.role);
      break;
    case 'unhealthy-metric':
      add(
        new iam.PolicyStatement({
          sid: 'PublishUnhealthyNodes',
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': UNHEALTHY_NODES_METRIC.namespace } },
        }),
      );
      wildcard('*', 'cloudwatch:PutMetricData has no resource; it is limited to the CareChain namespace.');
      break;
    case 'socket-push':
      add(resources.webSocketApi.manageConnectionsStatement());
      for (const arn of resources.webSocketApi.connectionsArns()) {
        wildcard(
          arn,
          'Connection ids are made by API Gateway at run time; the resource is this WebSocket API, its live stage ' +
            'and one method (POST a message, DELETE a connection) on @connections only.',
        );
      }
      break;
    case 'webhook-secrets':
      add(
        new iam.PolicyStatement({
          sid: 'SealWebhookSecrets',
          actions: ['kms:Encrypt', 'kms:Decrypt'],
          resources: [resources.webhookKey.keyArn],
          // Every secret is sealed with its endpoint as encryption context (KmsSecretBox, signingSecretContext).
          conditions: { StringEquals: { 'kms:EncryptionContext:purpose': 'webhook-signing-secret' } },
        }),
      );
      break;
  }
}
