/**
 * The reconciler Lambda: provisioning-queue batches and scheduled passes drive node records in a real table
 * through the same NodeReconciler the local worker runs, with EC2 and S3 mocked with realistic answers.
 */
import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  EC2Client,
  EC2ServiceException,
  type Instance,
  RunInstancesCommand,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReconcilerHandler } from '../../../functions/handlers/reconciler.ts';
import {
  Ec2GenesisValidators,
  genesisValidatorNodeId,
} from '../../../functions/services/networks/genesis-validator-nodes.ts';
import { SecretsManagerNodeKeys } from '../../../shared/adapters/aws/secrets-manager-node-keys.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { ConfigError } from '../../../shared/config/config.ts';
import type { Network } from '../../../shared/domain/network.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { createLogger } from '../../../shared/observability/logger.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { fakeNodeKeySecrets } from '../../support/fake-node-key-secrets.ts';
import { aNetwork, aNode } from '../providers/node-fixtures.ts';
import { lambdaEnv, OFFLINE_CREDENTIALS, REGION, startTable, TABLE_NAME } from './handler-fixtures.ts';

const SUBNETS = ['subnet-0a1b2c3d4e5f60718', 'subnet-0f1e2d3c4b5a69788'];
const TEMPLATES = {
  small: { id: 'lt-0123456789abcdef0', version: '$Default' },
  medium: { id: 'lt-0123456789abcdef1', version: '$Default' },
  large: { id: 'lt-0123456789abcdef2', version: '$Default' },
};
const BUCKET = 'carechain-test-nodecfg-123456789012-eu-north-1';
const FLEET_ENV = lambdaEnv({
  CARECHAIN_LAUNCH_TEMPLATES: JSON.stringify(TEMPLATES),
  CARECHAIN_NODE_SUBNET_IDS: SUBNETS.join(','),
  CARECHAIN_NODE_CONFIG_BUCKET: BUCKET,
});

const ec2Client = new EC2Client({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const s3Client = new S3Client({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const ec2 = mockClient(ec2Client);
const s3 = mockClient(s3Client);

let dynamo: EmbeddedDynamo;
let stores: ReturnType<typeof createStores>;
let network: Network;
/** Instances "launched" so far, by id, as DescribeInstances reports them. */
let launched: Map<string, Instance>;
/** S3 and EC2 calls in the order they were made. */
let sequence: string[];

function reconciler(env = FLEET_ENV) {
  return createReconcilerHandler({ env, clients: { dynamodb: dynamo.client, ec2: ec2Client, s3: s3Client } });
}

function sqsRecord(messageId: string, body: string) {
  return {
    messageId,
    receiptHandle: `AQEB${messageId}Q2FyZUNoYWlu`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1795521600000',
      SenderId: 'AROAEXAMPLE:CareChain-test-api',
      ApproximateFirstReceiveTimestamp: '1795521600010',
    },
    messageAttributes: {},
    md5OfBody: '0123456789abcdef0123456789abcdef',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-north-1:123456789012:CareChain-test-ProvisioningQueue1A2B3C4D',
    awsRegion: REGION,
  };
}

async function aStoredNode(overrides: Partial<NodeRecord>): Promise<NodeRecord> {
  return stores.nodes.create(aNode(network, { runtime: 'ec2', state: 'requested', size: 'small', ...overrides }));
}

function tagOf(input: RunInstancesCommandInput, key: string): string | undefined {
  return input.TagSpecifications?.[0]?.Tags?.find((tag) => tag.Key === key)?.Value;
}

beforeEach(async () => {
  dynamo = await startTable();
  stores = createStores(new Table(dynamo.client, TABLE_NAME));
  network = await stores.networks.create(
    aNetwork({ name: `consortium-${Date.now()}`, validators: ['0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc'] }),
  );
  launched = new Map();
  sequence = [];
  ec2.reset();
  s3.reset();
  s3.on(PutObjectCommand).callsFake((input: { Key?: string }) => {
    sequence.push(`put ${input.Key}`);
    return {
      ETag: '"9b2cf535f27731c974343645a3985328"',
      VersionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo',
      ServerSideEncryption: 'AES256',
    };
  });
  ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
    const byId = input.InstanceIds?.flatMap((id) => launched.get(id) ?? []);
    const nodeFilter = input.Filters?.find((filter) => filter.Name === 'tag:carechain:node')?.Values?.[0];
    const instances =
      byId ??
      [...launched.values()].filter(
        (instance) =>
          !nodeFilter || instance.Tags?.some((tag) => tag.Key === 'carechain:node' && tag.Value === nodeFilter),
      );
    return {
      Reservations: instances.map((instance, index) => ({
        ReservationId: `r-0${index}5f1c3a9e7b2d4c6`,
        OwnerId: '123456789012',
        Instances: [instance],
      })),
    };
  });
  ec2.on(RunInstancesCommand).callsFake((input: RunInstancesCommandInput) => {
    sequence.push('run');
    if (tagOf(input, 'Name') === 'carechain-no-capacity') {
      throw new EC2ServiceException({
        name: 'InsufficientInstanceCapacity',
        $fault: 'server',
        message: 'We currently do not have sufficient m7g.large capacity in the Availability Zone you requested.',
        $metadata: { httpStatusCode: 500 },
      });
    }
    const instance: Instance = {
      InstanceId: `i-0${(launched.size + 1).toString(16).padStart(16, '0')}`,
      InstanceType: 'm7g.large',
      ImageId: 'ami-0f1e2d3c4b5a69788',
      LaunchTime: new Date(),
      PrivateIpAddress: '10.0.3.27',
      SubnetId: input.SubnetId,
      VpcId: 'vpc-0a1b2c3d4e5f60718',
      State: { Code: 0, Name: 'pending' },
      StateReason: { Code: 'pending', Message: 'pending' },
      Tags: input.TagSpecifications?.[0]?.Tags,
    };
    launched.set(instance.InstanceId!, instance);
    return { ReservationId: 'r-0a9c1f0d25e3b4c7a', OwnerId: '123456789012', Instances: [instance] };
  });
});

afterEach(async () => {
  await dynamo.close();
});

describe('reconciler Lambda, provisioning queue', () => {
  it('drives a requested EC2 node to starting: files in the bucket first, then one tagged launch', async () => {
    const node = await aStoredNode({ name: 'karolinska-1' });

    const response = await reconciler()({
      Records: [
        sqsRecord('059f36b4-87a3-44ab-83d2-661975830a7d', JSON.stringify({ orgId: node.orgId, nodeId: node.id })),
      ],
    });

    expect(response).toEqual({ batchItemFailures: [] });
    const stored = await stores.nodes.get(node.orgId, node.id);
    expect(stored).toMatchObject({ state: 'starting', providerRef: 'i-00000000000000001' });

    // The node's files, with the Besu release it is to run (the network's), all before the launch.
    expect(sequence.slice(0, 4).sort()).toEqual(
      ['besu-release.env', 'config.toml', 'genesis.json', 'static-nodes.json'].map(
        (file) => `put nodes/${node.id}/${file}`,
      ),
    );
    expect(sequence.slice(4)).toEqual(['run']);
    const genesis = s3.commandCalls(PutObjectCommand).find((call) => call.args[0].input.Key?.endsWith('genesis.json'));
    expect(genesis!.args[0].input.Bucket).toBe(BUCKET);
    expect(JSON.parse(String(genesis!.args[0].input.Body))).toMatchObject({ config: { chainId: network.chainId } });

    const [launch] = ec2.commandCalls(RunInstancesCommand);
    const input = launch!.args[0].input;
    expect(input.LaunchTemplate).toEqual({ LaunchTemplateId: TEMPLATES.small.id, Version: '$Default' });
    expect(SUBNETS).toContain(input.SubnetId);
    // The template's boot script reads the bucket; user data would replace it.
    expect(input.UserData).toBeUndefined();
    expect(tagOf(input, 'carechain:node')).toBe(node.id);
    expect(tagOf(input, 'carechain:org')).toBe(node.orgId);
    expect(tagOf(input, 'carechain:stage')).toBe('test');
  });

  it('acknowledges a message for a node that does not exist, without failing the batch', async () => {
    const node = await aStoredNode({ name: 'karolinska-2' });

    const response = await reconciler()({
      Records: [
        sqsRecord(
          '1a2b3c4d-0000-4000-8000-000000000001',
          JSON.stringify({ orgId: node.orgId, nodeId: 'node_aaaaaaaaaaaaaaaaaaaa' }),
        ),
        sqsRecord('1a2b3c4d-0000-4000-8000-000000000002', JSON.stringify({ orgId: node.orgId, nodeId: node.id })),
      ],
    });

    expect(response).toEqual({ batchItemFailures: [] });
    expect((await stores.nodes.get(node.orgId, node.id))?.state).toBe('starting');
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(1);
  });

  it('reports only the messages that failed, so only they come back', async () => {
    const full = await aStoredNode({ name: 'no-capacity' });
    const selfHosted = await aStoredNode({ name: 'laptop-node', runtime: 'external', hosting: 'self-hosted' });

    const response = await reconciler()({
      Records: [
        sqsRecord('2b3c4d5e-0000-4000-8000-000000000001', JSON.stringify({ orgId: full.orgId, nodeId: full.id })),
        sqsRecord('2b3c4d5e-0000-4000-8000-000000000002', '{"orgId":'),
        sqsRecord(
          '2b3c4d5e-0000-4000-8000-000000000003',
          JSON.stringify({ orgId: selfHosted.orgId, nodeId: selfHosted.id }),
        ),
      ],
    });

    expect(response).toEqual({
      batchItemFailures: [
        { itemIdentifier: '2b3c4d5e-0000-4000-8000-000000000001' },
        { itemIdentifier: '2b3c4d5e-0000-4000-8000-000000000002' },
      ],
    });
    // It got as far as provisioning; the message's return (or the next pass) tries the launch again.
    expect((await stores.nodes.get(full.orgId, full.id))?.state).toBe('provisioning');
    // Self-hosted nodes go through the self-hosted provider: nothing to launch, unmonitored without a URL.
    expect((await stores.nodes.get(selfHosted.orgId, selfHosted.id))?.state).toBe('running');
  });
});

describe('reconciler Lambda, schedule', () => {
  it('reconciles the whole fleet on a scheduled invocation', async () => {
    const node = await aStoredNode({ name: 'sahlgrenska-1' });

    const report = await reconciler()({});

    expect(report).toMatchObject({ examined: 1, changed: 1, failed: 0, orphansRemoved: 0 });
    expect((await stores.nodes.get(node.orgId, node.id))?.state).toBe('starting');
  });

  it('records genesis validators whose network was recorded without them, and launches them with their keys', async () => {
    const secretsClient = new SecretsManagerClient({ region: REGION, credentials: OFFLINE_CREDENTIALS });
    const secrets = mockClient(secretsClient);
    const stored = fakeNodeKeySecrets(secrets);
    const prefix = 'carechain/test/node-keys/';
    const kmsKeyId = 'arn:aws:kms:eu-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const nodeKeys = new SecretsManagerNodeKeys({ client: secretsClient, prefix, kmsKeyId });
    // The API made the keys and recorded the network, and its request ended before the validators were recorded.
    const genesis = new Ec2GenesisValidators({
      nodeKeys,
      nodes: stores.nodes,
      count: 4,
      size: 'medium',
      region: REGION,
      clock: () => new Date(),
      logger: createLogger({ level: 'silent' }),
    });
    const cutShort = await stores.networks.create(
      aNetwork({ name: `cut-short-${Date.now()}`, createdAt: new Date().toISOString() }),
    );
    const addresses = await genesis.create(cutShort.id);
    await stores.networks.update(cutShort, { validators: addresses });
    // A network from last year is not looked at any more (its keys are never even looked up).
    const old = await stores.networks.create(
      aNetwork({ name: `old-${Date.now()}`, createdAt: '2025-11-01T09:00:00Z' }),
    );
    await stores.networks.update(old, { validators: await genesis.create(old.id) });
    secrets.resetHistory();
    const env = { ...FLEET_ENV, CARECHAIN_NODE_KEY_SECRET_PREFIX: prefix, CARECHAIN_NODE_KEY_KMS_KEY: kmsKeyId };

    await createReconcilerHandler({
      env,
      clients: { dynamodb: dynamo.client, ec2: ec2Client, s3: s3Client, secretsManager: secretsClient },
    })({});

    const platform = await stores.nodes.listByOrg('platform');
    expect(platform.map((node) => node.id).sort()).toEqual(
      [0, 1, 2, 3].map((index) => genesisValidatorNodeId(cutShort.id, index)).sort(),
    );
    expect(platform.every((node) => node.networkId === cutShort.id && node.state === 'starting')).toBe(true);
    // Launched with the keys made for them: no key was made again, each was handed to its instance.
    expect(stored.size).toBe(8);
    const cutShortKeys = [...stored.entries()].filter(([name]) =>
      [0, 1, 2, 3].some((index) => name.endsWith(genesisValidatorNodeId(cutShort.id, index))),
    );
    expect(cutShortKeys.every(([, secret]) => secret.tags.has('carechain:instance'))).toBe(true);
    // A network whose genesis names other validators gets none; the old one is left alone.
    expect(platform.some((node) => node.networkId === network.id || node.networkId === old.id)).toBe(false);
    const lookedUp = secrets.commandCalls(DescribeSecretCommand).map((call) => call.args[0].input.SecretId);
    expect(lookedUp.some((name) => name?.includes(genesisValidatorNodeId(old.id, 0)))).toBe(false);
    secrets.restore();
  });

  it('refuses to start without the fleet settings, naming each missing variable', async () => {
    const env = lambdaEnv({ CARECHAIN_LAUNCH_TEMPLATES: JSON.stringify(TEMPLATES) });

    const error = await reconciler(env)({}).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.variable)).toEqual([
      'CARECHAIN_NODE_SUBNET_IDS',
      'CARECHAIN_NODE_CONFIG_BUCKET',
    ]);
    expect(ec2.calls()).toHaveLength(0);
  });
});
