/**
 * AWS networks created without validators: the API Lambda makes the genesis validators' node keys in Secrets
 * Manager first, records the network with their addresses in its genesis, records each validator as a node the
 * platform runs (EC2) and queues it for the reconciler. A network that is not recorded leaves no key behind.
 * Secrets Manager and SQS are mocked with their real answers; the table is real.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOperator } from '../../../functions/api/operator-bootstrap.ts';
import { createApiHandler } from '../../../functions/handlers/api.ts';
import { genesisValidatorNodeId } from '../../../functions/services/networks/genesis-validator-nodes.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { nodeKeyIdentity } from '../../../shared/chain/besu/node-key.ts';
import { decodeQbftExtraData } from '../../../shared/chain/besu/qbft-extra-data.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { fakeNodeKeySecrets, type StoredSecret } from '../../support/fake-node-key-secrets.ts';
import {
  httpApiEvent,
  LAMBDA_CONTEXT,
  lambdaEnv,
  OFFLINE_CREDENTIALS,
  QUEUE_URL,
  REGION,
  startTable,
  TABLE_NAME,
} from './handler-fixtures.ts';

const PREFIX = 'carechain/test/node-keys/';
const KMS_KEY = 'arn:aws:kms:eu-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OPERATOR = { email: 'operator@carechain.example', password: 'operator-password-1234' };
const sqsClient = new SQSClient({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const secretsClient = new SecretsManagerClient({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const sqs = mockClient(sqsClient);
const secrets = mockClient(secretsClient);
let dynamo: EmbeddedDynamo;
let stored: Map<string, StoredSecret>;
let queued: Array<{ orgId: string; nodeId: string }>;
/** A parsed JSON body, as the API answered it. */
type Json = ReturnType<typeof JSON.parse>;
let call: (method: string, path: string, body?: object, token?: string) => Promise<{ status: number; json: Json }>;

beforeAll(async () => {
  dynamo = await startTable();
  const stores = createStores(new Table(dynamo.client, TABLE_NAME));
  await ensureOperator(stores, { ...OPERATOR, now: new Date() });
  stored = fakeNodeKeySecrets(secrets);
  queued = [];
  sqs.on(SendMessageCommand).callsFake(async (input: { MessageBody: string }) => {
    queued.push(JSON.parse(input.MessageBody));
    return { MessageId: '5fea7756-0ea4-451a-a703-a558b933e274', MD5OfMessageBody: 'fafb00f5732ab283681e124bf8747ed1' };
  });
  const api = createApiHandler({
    env: lambdaEnv({
      CARECHAIN_PROVISIONING_QUEUE_URL: QUEUE_URL,
      CARECHAIN_NODE_KEY_SECRET_PREFIX: PREFIX,
      CARECHAIN_NODE_KEY_KMS_KEY: KMS_KEY,
    }),
    clients: { dynamodb: dynamo.client, sqs: sqsClient, secretsManager: secretsClient },
  });
  call = async (method, path, body, token) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const event = httpApiEvent({ method, path, headers, ...(body && { body: JSON.stringify(body) }) });
    const result = await api(event, LAMBDA_CONTEXT);
    return { status: result.statusCode, json: JSON.parse(result.body) };
  };
});
afterAll(() => dynamo.close());

async function operatorToken(): Promise<string> {
  const login = await call('POST', '/v1/auth/login', OPERATOR);
  expect(login.status).toBe(200);
  return login.json.token;
}

describe('a network created on AWS without naming validators', () => {
  it('gets four genesis validators the platform runs: keys first, their addresses in the genesis', async () => {
    const token = await operatorToken();
    const created = await call('POST', '/v1/networks', { name: 'vardnatet', chainId: 1_337_950 }, token);
    expect(created.status).toBe(201);
    const networkId = created.json.id as string;

    const nodeIds = [0, 1, 2, 3].map((index) => genesisValidatorNodeId(networkId, index));
    const keys = nodeIds.map((id) => stored.get(`${PREFIX}${id}`));
    expect(keys.every((secret) => secret && !secret.deleted)).toBe(true);
    const addresses = keys.map((secret) => nodeKeyIdentity((secret as StoredSecret).value).address);
    expect([...created.json.validators].sort()).toEqual([...addresses].sort());
    expect(keys.map((secret) => secret?.tags.get('carechain:org'))).toEqual(Array(4).fill('platform'));
    // The response and the store carry addresses only, never a key.
    expect(JSON.stringify(created.json)).not.toContain(keys[0]?.value.slice(2));

    const genesis = await call('GET', `/v1/networks/${networkId}/genesis`, undefined, token);
    expect([...decodeQbftExtraData(genesis.json.extraData).validators].sort()).toEqual([...addresses].sort());

    const fleet = await call('GET', '/v1/ops/nodes', undefined, token);
    const validators = fleet.json.items.filter((node: { networkId: string }) => node.networkId === networkId);
    expect(validators.map((node: { id: string }) => node.id).sort()).toEqual([...nodeIds].sort());
    for (const node of validators) {
      expect(node).toMatchObject({
        orgId: 'platform',
        role: 'validator',
        hosting: 'managed',
        runtime: 'ec2',
        size: 'medium',
        state: 'requested',
      });
    }
    expect(validators.map((node: { name: string }) => node.name).sort()).toEqual([
      'genesis-validator-1',
      'genesis-validator-2',
      'genesis-validator-3',
      'genesis-validator-4',
    ]);
    // Handed to the reconciler before the request returned.
    expect(queued.filter((message) => nodeIds.includes(message.nodeId))).toHaveLength(4);
    expect(queued.every((message) => message.orgId === 'platform')).toBe(true);
  });

  it('leaves no key behind when the network cannot be recorded', async () => {
    const token = await operatorToken();
    const before = new Set(stored.keys());
    const refused = await call('POST', '/v1/networks', { name: 'vardnatet', chainId: 1_337_951 }, token);
    expect(refused.status).toBe(409);
    const made = [...stored.entries()].filter(([name]) => !before.has(name));
    expect(made).toHaveLength(4);
    expect(made.every(([, secret]) => secret.deleted !== undefined)).toBe(true);
  });
});
