/**
 * The functions' DynamoDB client resolves its middleware stack once per command class (`cacheMiddleware`), which
 * saves that work on every call; the table converts items itself (lib-dynamodb's document client reuses the first
 * command of a class under that option). Each call must still send its own input and read its own answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCore } from '../../../functions/handlers/aws-core.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { Table } from '../../../shared/store/table.ts';
import { lambdaEnv, startTable, TABLE_NAME } from './handler-fixtures.ts';

let dynamo: EmbeddedDynamo;

beforeAll(async () => {
  dynamo = await startTable();
});

afterAll(async () => {
  await dynamo.close();
});

describe("the functions' DynamoDB client", () => {
  it('is made with its middleware resolved once per command class', () => {
    const core = awsCore('api', { env: lambdaEnv() });
    expect(core.table.client.config.cacheMiddleware).toBe(true);
    core.table.client.destroy();
  });

  it('sends each call its own input and reads its own answer, one after another and side by side', async () => {
    expect(dynamo.client.config.cacheMiddleware).toBe(true);
    const table = new Table(dynamo.client, TABLE_NAME);
    const items = Array.from({ length: 12 }, (_, i) => ({ pk: 'ORG#cached', sk: `ITEM#${i}`, version: 1, n: i }));
    await table.create(items[0] as (typeof items)[0]);
    await Promise.all(items.slice(1).map((item) => table.create(item)));
    const read = await Promise.all(items.map((item) => table.get(item)));
    expect(read).toEqual(items);
    const updated = await Promise.all(items.map((item) => table.update(item, 1, { n: item.n * 10 })));
    expect(updated.map((item) => item.n)).toEqual(items.map((item) => item.n * 10));
    expect((await table.queryAll('ORG#cached', { beginsWith: 'ITEM#' })).length).toBe(items.length);
  });
});
