/**
 * Clients in the control plane's process reach the embedded DynamoDB through dynalite's request listener, not a
 * socket (shared/adapters/local/dynalite-in-process.ts). The same calls, answers and errors as over loopback HTTP,
 * compared call by call; and once the database is closing, refused as a closed port refuses, not handed to it.
 */
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IN_PROCESS_AUTHORIZATION } from '../../../shared/adapters/local/dynalite-in-process.ts';
import {
  type EmbeddedDynamo,
  embeddedDynamoClient,
  startEmbeddedDynamo,
} from '../../../shared/adapters/local/dynalite-server.ts';
import { ensureTable } from '../../../shared/store/create-table.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { aNetwork } from '../../unit/providers/node-fixtures.ts';

const TABLE_NAME = 'carechain';

let dynamo: EmbeddedDynamo;
let overHttp: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo();
  await ensureTable(dynamo.client, TABLE_NAME);
  overHttp = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: dynamo.connection.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  overHttp.destroy();
  await dynamo.close();
});

/** What a call answered, without the request id and timings that differ between any two calls. */
async function outcome(client: DynamoDBClient, command: Command) {
  try {
    // Each command is sent as the SDK sends any: one union of the client's commands.
    const { $metadata, ...output } = await client.send(command as PutItemCommand);
    return { status: $metadata.httpStatusCode, output };
  } catch (error) {
    const { name, message, $metadata, $fault } = error as Error & {
      $metadata: { httpStatusCode?: number };
      $fault: string;
    };
    return { status: $metadata.httpStatusCode, error: { name, message, fault: $fault } };
  }
}

type Command = PutItemCommand | GetItemCommand | UpdateItemCommand | QueryCommand;

/** The same calls on two partitions of their own: one per client, so each starts from the same state. */
function calls(partition: string): Command[] {
  const key = { pk: { S: partition }, sk: { S: 'ITEM#1' } };
  return [
    new PutItemCommand({ TableName: TABLE_NAME, Item: { ...key, note: { S: 'Region Skåne, vårdcentral' } } }),
    new PutItemCommand({
      TableName: TABLE_NAME,
      Item: { ...key, note: { S: 'again' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
    new GetItemCommand({ TableName: TABLE_NAME, Key: key, ConsistentRead: true }),
    new UpdateItemCommand({
      TableName: TABLE_NAME,
      Key: key,
      UpdateExpression: 'SET #n = :n ADD #c :one',
      ExpressionAttributeNames: { '#n': 'note', '#c': 'count' },
      ExpressionAttributeValues: { ':n': { S: 'updated' }, ':one': { N: '1' } },
      ReturnValues: 'ALL_NEW',
    }),
    new UpdateItemCommand({ TableName: TABLE_NAME, Key: key, UpdateExpression: 'SET = broken' }),
    new QueryCommand({
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :item)',
      ExpressionAttributeValues: { ':pk': { S: partition }, ':item': { S: 'ITEM#' } },
    }),
    new GetItemCommand({ TableName: 'no-such-table', Key: key }),
  ];
}

/** The answers with each call's partition named alike, so two runs on two partitions compare. */
function samePartition(outcomes: unknown[], partition: string): unknown {
  return JSON.parse(JSON.stringify(outcomes).replaceAll(partition, 'PARTITION'));
}

describe('the embedded DynamoDB in the same process', () => {
  it('answers every call through its request listener as it answers over loopback HTTP, errors included', async () => {
    const handle = vi.spyOn(
      dynamo.connection.requestHandler as NonNullable<typeof dynamo.connection.requestHandler>,
      'handle',
    );
    const inProcess: unknown[] = [];
    for (const command of calls('ORG#in-process')) inProcess.push(await outcome(dynamo.client, command));
    const viaHttp: unknown[] = [];
    for (const command of calls('ORG#over-http')) viaHttp.push(await outcome(overHttp, command));

    expect(handle).toHaveBeenCalledTimes(calls('x').length);
    // Not signed in the same process: dynalite accepts the placeholder as it accepts the signed calls over HTTP.
    for (const [request] of handle.mock.calls) {
      expect((request as { headers: Record<string, string> }).headers.authorization).toBe(IN_PROCESS_AUTHORIZATION);
    }
    handle.mockRestore();
    expect(samePartition(inProcess, 'ORG#in-process')).toEqual(samePartition(viaHttp, 'ORG#over-http'));
    // The comparison means something only if the calls did what they say.
    expect(inProcess.map((o) => (o as { status: number }).status)).toEqual([200, 400, 200, 200, 400, 200, 400]);
    expect(inProcess[1]).toMatchObject({ error: { name: 'ConditionalCheckFailedException' } });
    expect(inProcess[2]).toMatchObject({ output: { Item: { note: { S: 'Region Skåne, vårdcentral' } } } });
    expect(inProcess[3]).toMatchObject({ output: { Attributes: { note: { S: 'updated' }, count: { N: '1' } } } });
    expect(inProcess[4]).toMatchObject({ error: { name: 'ValidationException' } });
    expect(inProcess[6]).toMatchObject({ error: { name: 'ResourceNotFoundException' } });
  });

  it('serves the store through the tables the control plane uses, index queries included', async () => {
    const stores = createStores(new Table(dynamo.client, TABLE_NAME));
    const network = aNetwork({ name: 'In-process network' });
    await stores.networks.create(network);
    expect(await stores.networks.get(network.id)).toEqual(network);
    expect((await stores.networks.list()).map((n) => n.id)).toContain(network.id);
  });

  it('refuses calls once the database is closing, as its closed port does, without stopping the process', async () => {
    const closing = await startEmbeddedDynamo();
    await ensureTable(closing.client, TABLE_NAME);
    const late = embeddedDynamoClient(closing.connection);
    await closing.close();
    await expect(
      late.send(new GetItemCommand({ TableName: TABLE_NAME, Key: { pk: { S: 'ORG#x' }, sk: { S: 'x' } } })),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    late.destroy();
  });
});
