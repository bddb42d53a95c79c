/**
 * IAM for EC2 nodes' Besu node keys, kept in Secrets Manager as `carechain/<stage>/node-keys/<nodeId>` and
 * encrypted with the fleet's node-key KMS key (see shared/adapters/aws/node-key-secrets.ts for the names).
 *
 * The control plane makes a node's key before its first launch and tags the secret with the instance allowed to
 * read it; it never reads a key back. An instance reads only the secret whose instance tag is its own ARN, so a
 * replaced instance gets its node's key (and stays in the validator set) and no instance can read another's.
 * The KMS key can be used only through Secrets Manager, by either side.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { IConstruct } from 'constructs';
import { NODE_KEY_INSTANCE_TAG, nodeKeySecretPrefix } from '../../shared/adapters/aws/node-key-secrets.ts';

export interface NodeKeyPermissionsOptions {
  /** Node keys of other stages live under another prefix and stay out of reach. */
  readonly stage: string;
  readonly encryptionKey: kms.IKey;
}

/** Resolved per request to the ARN of the instance whose instance-profile credentials signed it. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a JavaScript placeholder
export const SOURCE_INSTANCE_ARN_VARIABLE = '${ec2:SourceInstanceARN}';

/** Every node-key secret of the stage (Secrets Manager appends a random suffix to each secret's ARN). */
export function nodeKeySecretsArn(scope: IConstruct, stage: string): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${nodeKeySecretPrefix(stage)}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** The KMS key decrypts and encrypts node keys only on behalf of Secrets Manager in this region. */
function throughSecretsManager(scope: IConstruct): Record<string, Record<string, unknown>> {
  const stack = Stack.of(scope);
  return { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}` } };
}

/** For the node role: the instance reads its own node's key, nothing else. */
export function readOwnNodeKeyStatements(scope: IConstruct, options: NodeKeyPermissionsOptions): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ReadOwnNodeKey',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [nodeKeySecretsArn(scope, options.stage)],
      conditions: {
        StringEquals: { [`secretsmanager:ResourceTag/${NODE_KEY_INSTANCE_TAG}`]: SOURCE_INSTANCE_ARN_VARIABLE },
      },
    }),
    new iam.PolicyStatement({
      sid: 'DecryptOwnNodeKey',
      actions: ['kms:Decrypt'],
      resources: [options.encryptionKey.keyArn],
      conditions: throughSecretsManager(scope),
    }),
  ];
}

/**
 * For the control plane: create a node's key secret, hand it to an instance (the instance tag), and delete it
 * with the node. No GetSecretValue and no PutSecretValue: a key is written once, at creation, and never read back.
 */
export function manageNodeKeyStatements(scope: IConstruct, options: NodeKeyPermissionsOptions): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ManageNodeKeySecrets',
      actions: [
        'secretsmanager:CreateSecret',
        'secretsmanager:DescribeSecret',
        'secretsmanager:TagResource',
        'secretsmanager:DeleteSecret',
      ],
      resources: [nodeKeySecretsArn(scope, options.stage)],
    }),
    encryptNodeKeysStatement(scope, options),
  ];
}

/** Secrets Manager requires both of the caller when it creates a secret under a customer managed key. */
function encryptNodeKeysStatement(scope: IConstruct, options: NodeKeyPermissionsOptions): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'EncryptNodeKeysThroughSecretsManager',
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    resources: [options.encryptionKey.keyArn],
    conditions: throughSecretsManager(scope),
  });
}

/**
 * For the API: make the node keys of a new network's genesis validators (their addresses go into its genesis), and
 * delete them when the network is not recorded after all. No tagging (handing a key to an instance is the
 * reconciler's), no GetSecretValue and no PutSecretValue.
 */
export function createNodeKeyStatements(scope: IConstruct, options: NodeKeyPermissionsOptions): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'CreateNodeKeySecrets',
      actions: ['secretsmanager:CreateSecret', 'secretsmanager:DescribeSecret', 'secretsmanager:DeleteSecret'],
      resources: [nodeKeySecretsArn(scope, options.stage)],
    }),
    encryptNodeKeysStatement(scope, options),
  ];
}

/** Why the prefix wildcard cannot be narrower, for the cdk-nag acknowledgements of both roles. */
export const NODE_KEY_SECRETS_WILDCARD_REASON = {
  read:
    "Node ids (and so secret names) are created at run time. An instance may read a secret under its stage's " +
    "node-keys/ prefix only when the secret is tagged carechain:instance with that instance's own ARN " +
    '(the ec2:SourceInstanceARN policy variable), so each instance reads exactly its own node key.',
  manage:
    "The control plane makes each node's key secret before the node's first launch; node ids are created at run " +
    "time. The grant covers only this stage's node-keys/ prefix and never includes reading a key back.",
  create:
    "The API makes the node keys of a new network's genesis validators, whose node ids derive from the network id " +
    "made at run time. The grant covers only this stage's node-keys/ prefix, never tagging or reading a key back.",
} as const;
