/**
 * The AWS events function against a real table: it runs event passes for its run time (one at least), and refuses
 * to start without the webhook-secrets key, naming the variable, instead of delivering unsigned.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEventsHandler } from '../../../functions/handlers/events.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { lambdaEnv, startTable } from './handler-fixtures.ts';

const WEBHOOK_KEY = 'arn:aws:kms:eu-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
let dynamo: EmbeddedDynamo;

beforeAll(async () => {
  dynamo = await startTable();
});
afterAll(() => dynamo?.close());

it('runs event passes one after another for its run time', async () => {
  const handler = createEventsHandler({
    env: lambdaEnv({ CARECHAIN_WEBHOOK_KEY_ID: WEBHOOK_KEY }),
    clients: { dynamodb: dynamo.client },
    runMs: 1_500,
  });
  const report = await handler();
  expect(report.passes).toBeGreaterThanOrEqual(2);
  expect(report).toMatchObject({ recorded: 0, chainLogEvents: 0, delivered: 0, failed: 0 });
});

it('refuses to start without the webhook-secrets key', async () => {
  const handler = createEventsHandler({ env: lambdaEnv(), clients: { dynamodb: dynamo.client }, runMs: 0 });
  await expect(handler()).rejects.toThrow(/CARECHAIN_WEBHOOK_KEY_ID/);
});
