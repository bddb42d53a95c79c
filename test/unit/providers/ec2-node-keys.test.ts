/**
 * EC2 node keys in Secrets Manager, against aws-sdk-client-mock with realistic answers: the key is made once before
 * the first launch (Besu's key file, encrypted with the node-key KMS key, public identity in tags), the secret is
 * tagged with the launched instance's ARN (the only instance IAM then lets read it), a replaced instance gets the
 * same key and the tag moves, and deprovisioning schedules the secret's deletion. The control plane never reads a
 * key back.
 */
import { execFileSync } from 'node:child_process';
import {
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { renderBesuUserData } from '../../../shared/adapters/aws/besu-user-data.ts';
import { Ec2NodeProvider } from '../../../shared/adapters/aws/ec2-node-provider.ts';
import { nodeKeySecretPrefix } from '../../../shared/adapters/aws/node-key-secrets.ts';
import { SecretsManagerNodeKeys } from '../../../shared/adapters/aws/secrets-manager-node-keys.ts';
import { nodeKeyIdentity } from '../../../shared/chain/besu/node-key.ts';
import { ConflictError, InvalidStateError, ValidationError } from '../../../shared/errors.ts';
import type { NodeArtifacts } from '../../../shared/ports/node-provider.ts';
import { aNetwork, aNode } from './node-fixtures.ts';

const ec2 = mockClient(EC2Client);
const secrets = mockClient(SecretsManagerClient);
const ACCOUNT = '123456789012';
const KMS_KEY = `arn:aws:kms:eu-north-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const PREFIX = nodeKeySecretPrefix('prod');
const network = aNetwork({ id: 'net_aaaaaaaaaaaaaaaaaaaa' });
const node = aNode(network, { id: 'node_bbbbbbbbbbbbbbbbbbbb', orgId: 'org_cccccccccccccccccccc', runtime: 'ec2' });
const SECRET_NAME = `${PREFIX}${node.id}`;
const SECRET_ARN = `arn:aws:secretsmanager:eu-north-1:${ACCOUNT}:secret:${SECRET_NAME}-AbCdEf`;
/** What happened, in order, across both services. */
const events: string[] = [];
const ARTIFACTS: NodeArtifacts = {
  genesisJson: JSON.stringify({ config: { chainId: 1_337_777, qbft: {} }, alloc: {} }),
  besuConfigToml: 'data-path="/var/lib/besu"\n',
};

/** An in-memory Secrets Manager for one account: the secrets as the mock has been asked to keep them. */
function secretsManager() {
  const store = new Map<string, { value: string; tags: Map<string, string>; deleted?: Date }>();
  let hidden = 0;
  secrets.on(DescribeSecretCommand).callsFake(({ SecretId }) => {
    const secret = hidden-- > 0 ? undefined : store.get(SecretId);
    if (!secret)
      throw new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: {},
      });
    return {
      ARN: SECRET_ARN,
      Name: SecretId,
      KmsKeyId: KMS_KEY,
      Tags: [...secret.tags].map(([Key, Value]) => ({ Key, Value })),
      ...(secret.deleted && { DeletedDate: secret.deleted }),
    };
  });
  secrets.on(CreateSecretCommand).callsFake(({ Name, SecretString, Tags }) => {
    if (store.has(Name)) {
      throw new ResourceExistsException({
        message: `The operation failed because the secret ${Name} already exists.`,
        $metadata: {},
      });
    }
    events.push('CreateSecret');
    store.set(Name, {
      value: SecretString,
      tags: new Map(Tags.map((t: { Key: string; Value: string }) => [t.Key, t.Value])),
    });
    return { ARN: SECRET_ARN, Name, VersionId: '1b2c3d4e-aaaa-bbbb-cccc-1234567890ab' };
  });
  secrets.on(TagResourceCommand).callsFake(({ SecretId, Tags }) => {
    const secret = store.get(SecretId);
    if (!secret)
      throw new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: {},
      });
    events.push('TagResource');
    for (const tag of Tags) secret.tags.set(tag.Key, tag.Value);
    return {};
  });
  secrets.on(DeleteSecretCommand).callsFake(({ SecretId }) => {
    const secret = store.get(SecretId);
    if (!secret)
      throw new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: {},
      });
    secret.deleted = new Date('2026-12-08T12:00:00Z');
    return { ARN: SECRET_ARN, Name: SecretId, DeletionDate: secret.deleted };
  });
  return Object.assign(store, {
    /** The next look-up misses, as one made just before a concurrent create landed. */
    missNextLookup: () => {
      hidden = 1;
    },
  });
}

function keys() {
  return new SecretsManagerNodeKeys({
    client: new SecretsManagerClient({ region: 'eu-north-1' }),
    prefix: PREFIX,
    kmsKeyId: KMS_KEY,
    stage: 'prod',
  });
}

function provider(nodeKeys = keys()) {
  return new Ec2NodeProvider({
    client: new EC2Client({ region: 'eu-north-1' }),
    launchTemplate: { id: 'lt-0123456789abcdef0', version: '4' },
    nodeFiles: { publish: async () => {} },
    renderArtifacts: () => ARTIFACTS,
    nodeKeys,
    stage: 'prod',
  });
}

function launches(...ids: string[]) {
  let call = 0;
  ec2.on(RunInstancesCommand).callsFake(() => {
    events.push('RunInstances');
    const id = ids[Math.min(call++, ids.length - 1)] as string;
    return {
      ReservationId: 'r-0123456789abcdef0',
      OwnerId: ACCOUNT,
      Instances: [{ InstanceId: id, State: { Code: 0, Name: 'pending' } }],
    };
  });
}

beforeEach(() => {
  ec2.reset();
  secrets.reset();
  events.length = 0;
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(TerminateInstancesCommand).resolves({ TerminatingInstances: [] });
});

describe('EC2 node keys in Secrets Manager', () => {
  it('makes the key before the first launch and lets only the launched instance read it', async () => {
    const store = secretsManager();
    launches('i-0a1b2c3d4e5f60718');
    await provider().provision({ node, network, clientToken: 'first' });

    const created = secrets.commandCalls(CreateSecretCommand)[0]?.args[0].input;
    expect(created).toMatchObject({ Name: SECRET_NAME, KmsKeyId: KMS_KEY });
    expect(created?.SecretString).toMatch(/^0x[0-9a-f]{64}$/);
    const identity = nodeKeyIdentity(created?.SecretString as string);
    const tags = store.get(SECRET_NAME)?.tags;
    expect(tags?.get('carechain:node-address')).toBe(identity.address);
    expect(tags?.get('carechain:node-key-id')).toBe(identity.nodeId);
    expect(tags?.get('carechain:node')).toBe(node.id);
    expect(tags?.get('carechain:stage')).toBe('prod');
    expect(tags?.get('carechain:instance')).toBe(`arn:aws:ec2:eu-north-1:${ACCOUNT}:instance/i-0a1b2c3d4e5f60718`);
    // The secret exists before the instance that reads it, and the grant follows the launch.
    expect(events).toEqual(['CreateSecret', 'RunInstances', 'TagResource']);
    expect(secrets.commandCalls(GetSecretValueCommand)).toEqual([]);
  });

  it('gives a replaced instance the same key, and moves the read grant to it', async () => {
    const store = secretsManager();
    launches('i-0a1b2c3d4e5f60718', 'i-0fedcba98765432a1');
    const ec2Provider = provider();
    const { providerRef } = await ec2Provider.provision({ node, network, clientToken: 'first' });
    const key = store.get(SECRET_NAME)?.value;

    await ec2Provider.replace({ ...node, providerRef }, network, 'replacement-1');
    expect(secrets.commandCalls(CreateSecretCommand)).toHaveLength(1);
    expect(store.get(SECRET_NAME)?.value).toBe(key);
    expect(store.get(SECRET_NAME)?.tags.get('carechain:instance')).toBe(
      `arn:aws:ec2:eu-north-1:${ACCOUNT}:instance/i-0fedcba98765432a1`,
    );
    expect(ec2.commandCalls(TerminateInstancesCommand)[0]?.args[0].input.InstanceIds).toEqual(['i-0a1b2c3d4e5f60718']);
  });

  it('does not replace a node whose key exists only on its instance (launched before keys were stored)', async () => {
    secretsManager();
    launches('i-0fedcba98765432a1');
    const legacy = { ...node, providerRef: 'i-0a1b2c3d4e5f60718', enode: `enode://${'ab'.repeat(64)}@10.0.1.5:30303` };

    const refused = await provider()
      .replace(legacy, network, 'replacement-1')
      .catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(InvalidStateError);
    expect((refused as Error).message).toMatch(/key exists only on its instance i-0a1b2c3d4e5f60718/);
    // Nothing was terminated, launched or made: the instance and its key are as they were.
    expect(ec2.commandCalls(TerminateInstancesCommand)).toEqual([]);
    expect(ec2.commandCalls(RunInstancesCommand)).toEqual([]);
    expect(secrets.commandCalls(CreateSecretCommand)).toEqual([]);
  });

  it('schedules the key for deletion (recoverable for 7 days) when the node is deprovisioned, and once only', async () => {
    secretsManager();
    launches('i-0a1b2c3d4e5f60718');
    const ec2Provider = provider();
    const { providerRef } = await ec2Provider.provision({ node, network, clientToken: 'first' });
    await ec2Provider.deprovision({ ...node, providerRef });
    expect(secrets.commandCalls(DeleteSecretCommand)[0]?.args[0].input).toEqual({
      SecretId: SECRET_NAME,
      RecoveryWindowInDays: 7,
    });
    secrets.on(DeleteSecretCommand).rejects(
      Object.assign(new Error("You can't perform this operation on the secret because it was marked for deletion."), {
        name: 'InvalidRequestException',
      }),
    );
    await ec2Provider.deprovision({ ...node, providerRef });
    await expect(keys().ensure(node)).rejects.toBeInstanceOf(ConflictError);
  });

  it('keeps the first key when two launches of one node race to store it', async () => {
    const store = secretsManager();
    const first = await keys().ensure(node);
    // The second ensure finds nothing at first (as if it looked before the first wrote), then loses the create.
    store.missNextLookup();
    const second = await keys().ensure(node);
    expect(second).toEqual(first);
    expect(secrets.commandCalls(CreateSecretCommand)).toHaveLength(2);
    expect(nodeKeyIdentity(store.get(SECRET_NAME)?.value as string)).toEqual(first);
  });

  it('refuses a machine ARN that is not an EC2 instance', async () => {
    secretsManager();
    await expect(keys().assignTo(node.id, `arn:aws:iam::${ACCOUNT}:role/anything`)).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('renders user data that fetches the key into Besu’s key file before Besu starts, without printing it', () => {
    const script = renderBesuUserData(ARTIFACTS, '/opt/besu', SECRET_NAME);
    // The fleet bootstrap's own fetch (node-boot-commands.ts, run in bash by test/infra/node-key-fetch.test.ts).
    const named = script.indexOf(`NODE_KEY_SECRET='${SECRET_NAME}'`);
    const fetch = script.indexOf('--secret-id "$NODE_KEY_SECRET"');
    expect(named).toBeGreaterThan(script.indexOf('REGION=$(imds meta-data/placement/region)'));
    expect(fetch).toBeGreaterThan(named);
    expect(script.indexOf('chmod 0600 "$NODE_KEY_TMP"')).toBeLessThan(fetch);
    expect(script.indexOf(`mv -f "$NODE_KEY_TMP" '/var/lib/besu/key'`)).toBeGreaterThan(fetch);
    expect(script.indexOf('systemctl enable --now besu.service')).toBeGreaterThan(fetch);
    expect(script).not.toMatch(/set -x|echo "\$\(cat/);
    expect(() => renderBesuUserData(ARTIFACTS, '/opt/besu', "x'; rm -rf /")).toThrow(ValidationError);
    expect(renderBesuUserData(ARTIFACTS)).not.toContain('secretsmanager');
  });

  it('renders user data that has Besu advertise the instance’s address, read through IMDSv2, before Besu starts', () => {
    const script = renderBesuUserData(ARTIFACTS, '/opt/besu', SECRET_NAME);
    const written = script.indexOf(`printf 'BESU_P2P_HOST=%s\\n' "$PUBLIC_IP" > /etc/besu/besu.env`);
    expect(written).toBeGreaterThan(script.indexOf('PRIVATE_IP=$(imds meta-data/local-ipv4)'));
    expect(script).toContain('X-aws-ec2-metadata-token: $TOKEN');
    expect(script).toContain('EnvironmentFile=/etc/besu/besu.env');
    expect(script.indexOf('systemctl enable --now besu.service')).toBeGreaterThan(written);
    execFileSync('bash', ['-n'], { input: script });
  });
});
