/**
 * NodeKeyStore on AWS Secrets Manager: each EC2 node's Besu key is a secret `<prefix><nodeId>` (see
 * node-key-secrets.ts) encrypted with the fleet's node-key KMS key. The control plane creates it before the first
 * launch and never reads it back (its IAM has no GetSecretValue); the node's instance reads it at boot, which IAM
 * allows only while the secret's `carechain:instance` tag names that very instance. The key's public identity is
 * kept in tags, so the control plane knows the validator address without the key.
 *
 * A replaced instance gets the same key: the tag moves to the new instance, and the node keeps its enode and its
 * place in the validator set.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  type SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { type NodeKeyIdentity, newNodeKeyFile, nodeKeyIdentity } from '../../chain/besu/node-key.ts';
import { ConflictError, NotFoundError, ServiceUnavailableError, UpstreamError, ValidationError } from '../../errors.ts';
import type { NodeKeyOwner, NodeKeyStore } from '../../ports/node-key-store.ts';
import { NODE_KEY_ADDRESS_TAG, NODE_KEY_ID_TAG, NODE_KEY_INSTANCE_TAG, nodeKeySecretName } from './node-key-secrets.ts';

export interface SecretsManagerNodeKeysOptions {
  readonly client: SecretsManagerClient;
  /** `carechain/<stage>/node-keys/` */
  readonly prefix: string;
  /** The node-key KMS key (ARN). */
  readonly kmsKeyId: string;
  /** Tagged `carechain:stage` on each secret. */
  readonly stage?: string;
  /** Days a removed key can still be restored. @default 7 */
  readonly recoveryWindowDays?: number;
}

const INSTANCE_ARN = /^arn:aws[a-z-]*:ec2:[a-z0-9-]+:\d{12}:instance\/i-[0-9a-f]{8,17}$/;

export class SecretsManagerNodeKeys implements NodeKeyStore {
  readonly #options: SecretsManagerNodeKeysOptions;

  constructor(options: SecretsManagerNodeKeysOptions) {
    if (!options.prefix.endsWith('/')) throw new ValidationError('A node-key secret prefix ends with /');
    this.#options = options;
  }

  async ensure(node: NodeKeyOwner): Promise<NodeKeyIdentity> {
    const existing = await this.#describe(node.id);
    if (existing) return identityOf(node.id, existing);
    const keyFile = newNodeKeyFile();
    const identity = nodeKeyIdentity(keyFile);
    try {
      await this.#call('CreateSecret', () =>
        this.#options.client.send(
          new CreateSecretCommand({
            Name: this.#name(node.id),
            Description: `Besu node key of CareChain node ${node.id}`,
            SecretString: keyFile,
            KmsKeyId: this.#options.kmsKeyId,
            Tags: [
              { Key: 'carechain:node', Value: node.id },
              { Key: 'carechain:org', Value: node.orgId },
              { Key: 'carechain:network', Value: node.networkId },
              ...(this.#options.stage ? [{ Key: 'carechain:stage', Value: this.#options.stage }] : []),
              { Key: NODE_KEY_ADDRESS_TAG, Value: identity.address },
              { Key: NODE_KEY_ID_TAG, Value: identity.nodeId },
            ],
          }),
        ),
      );
      return identity;
    } catch (error) {
      // A concurrent launch of the same node stored its key first: that key is the node's.
      if (!(error instanceof ConflictError)) throw error;
      const winner = await this.#describe(node.id);
      if (!winner) throw error;
      return identityOf(node.id, winner);
    }
  }

  async find(nodeId: string): Promise<NodeKeyIdentity | undefined> {
    try {
      const secret = await this.#describe(nodeId);
      return secret ? identityOf(nodeId, secret) : undefined;
    } catch (error) {
      // Scheduled for deletion: the node has no key any more.
      if (error instanceof ConflictError) return undefined;
      throw error;
    }
  }

  async assignTo(nodeId: string, machineArn: string): Promise<void> {
    if (!INSTANCE_ARN.test(machineArn)) throw new ValidationError(`Not an EC2 instance ARN: ${machineArn}`);
    await this.#call('TagResource', () =>
      this.#options.client.send(
        new TagResourceCommand({
          SecretId: this.#name(nodeId),
          Tags: [{ Key: NODE_KEY_INSTANCE_TAG, Value: machineArn }],
        }),
      ),
    );
  }

  async remove(nodeId: string): Promise<void> {
    try {
      await this.#call('DeleteSecret', () =>
        this.#options.client.send(
          new DeleteSecretCommand({
            SecretId: this.#name(nodeId),
            RecoveryWindowInDays: this.#options.recoveryWindowDays ?? 7,
          }),
        ),
      );
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof AlreadyDeletedError) return;
      throw error;
    }
  }

  #name(nodeId: string): string {
    return nodeKeySecretName(this.#options.prefix, nodeId);
  }

  async #describe(nodeId: string): Promise<DescribeSecretCommandOutput | undefined> {
    try {
      const secret = await this.#call('DescribeSecret', () =>
        this.#options.client.send(new DescribeSecretCommand({ SecretId: this.#name(nodeId) })),
      );
      if (secret.DeletedDate) {
        throw new ConflictError(`The key of node ${nodeId} is scheduled for deletion; restore it or use a new node`);
      }
      return secret;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async #call<T>(action: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw mapSecretsManagerError(action, error);
    }
  }
}

class AlreadyDeletedError extends ConflictError {}

function identityOf(nodeId: string, secret: DescribeSecretCommandOutput): NodeKeyIdentity {
  const tag = (key: string) => secret.Tags?.find((candidate) => candidate.Key === key)?.Value;
  const address = tag(NODE_KEY_ADDRESS_TAG);
  const id = tag(NODE_KEY_ID_TAG);
  if (!address || !id) throw new UpstreamError(`The key secret of node ${nodeId} lacks its identity tags`);
  return { address, nodeId: id };
}

function mapSecretsManagerError(action: string, error: unknown): Error {
  const name = error instanceof Error ? error.name : 'UnknownError';
  const message = `Secrets Manager ${action} failed: ${name}`;
  switch (name) {
    case 'ResourceNotFoundException':
      return new NotFoundError(message, { cause: error });
    case 'ResourceExistsException':
      return new ConflictError(message, { cause: error });
    case 'InvalidRequestException':
      // DeleteSecret on a secret already scheduled for deletion.
      return /scheduled for deletion|marked for deletion/i.test((error as Error).message)
        ? new AlreadyDeletedError(message, { cause: error })
        : new UpstreamError(message, { cause: error });
    case 'ThrottlingException':
    case 'InternalServiceError':
      return new ServiceUnavailableError(message, { cause: error });
    default:
      return new UpstreamError(message, { cause: error });
  }
}
