/**
 * Secrets Manager as the node-key store uses it (DescribeSecret, CreateSecret, TagResource, DeleteSecret), with
 * its real answers and errors, over an in-memory map: what an `aws-sdk-client-mock` of SecretsManagerClient
 * answers in tests of the EC2 wiring.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import type { AwsStub } from 'aws-sdk-client-mock';

export interface StoredSecret {
  readonly value: string;
  readonly tags: Map<string, string>;
  deleted?: Date;
}

const ACCOUNT = '123456789012';

function notFound(): ResourceNotFoundException {
  return new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} });
}

export function fakeNodeKeySecrets(
  secrets: AwsStub<ServiceInputTypes, ServiceOutputTypes, SecretsManagerClientResolvedConfig>,
): Map<string, StoredSecret> {
  const store = new Map<string, StoredSecret>();
  const arnOf = (name: string) => `arn:aws:secretsmanager:eu-north-1:${ACCOUNT}:secret:${name}-AbCdEf`;
  secrets.on(DescribeSecretCommand).callsFake(({ SecretId }: { SecretId: string }) => {
    const secret = store.get(SecretId);
    if (!secret) throw notFound();
    return {
      ARN: arnOf(SecretId),
      Name: SecretId,
      Tags: [...secret.tags].map(([Key, Value]) => ({ Key, Value })),
      ...(secret.deleted && { DeletedDate: secret.deleted }),
    };
  });
  secrets
    .on(CreateSecretCommand)
    .callsFake(
      ({
        Name,
        SecretString,
        Tags,
      }: {
        Name: string;
        SecretString: string;
        Tags: { Key: string; Value: string }[];
      }) => {
        if (store.has(Name)) {
          throw new ResourceExistsException({
            message: `The operation failed because the secret ${Name} already exists.`,
            $metadata: {},
          });
        }
        store.set(Name, { value: SecretString, tags: new Map(Tags.map((tag) => [tag.Key, tag.Value])) });
        return { ARN: arnOf(Name), Name, VersionId: '1b2c3d4e-aaaa-bbbb-cccc-1234567890ab' };
      },
    );
  secrets
    .on(TagResourceCommand)
    .callsFake(({ SecretId, Tags }: { SecretId: string; Tags: { Key: string; Value: string }[] }) => {
      const secret = store.get(SecretId);
      if (!secret) throw notFound();
      for (const tag of Tags) secret.tags.set(tag.Key, tag.Value);
      return {};
    });
  secrets.on(DeleteSecretCommand).callsFake(({ SecretId }: { SecretId: string }) => {
    const secret = store.get(SecretId);
    if (!secret) throw notFound();
    secret.deleted = new Date('2026-12-08T12:00:00Z');
    return { ARN: arnOf(SecretId), Name: SecretId, DeletionDate: secret.deleted };
  });
  return store;
}
