/**
 * The stripe-webhook Lambda: API Gateway v2 events in, the local server's webhook app behind them, the Stripe
 * keys from Secrets Manager (mocked with realistic answers) and the deduplication records in a real table.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStripeWebhookHandler } from '../../../functions/handlers/stripe-webhook.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { BillingRepository } from '../../../shared/store/billing.repository.ts';
import { Table } from '../../../shared/store/table.ts';
import {
  httpApiEvent,
  LAMBDA_CONTEXT,
  lambdaEnv,
  OFFLINE_CREDENTIALS,
  REGION,
  STRIPE_SECRET_ARN,
  startTable,
  TABLE_NAME,
} from './handler-fixtures.ts';

const WEBHOOK_SECRET = 'whsec_5f1c3a9e7b2d4c6e8f0a1b3c5d7e9f1a';
const secretsManager = new SecretsManagerClient({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const secrets = mockClient(secretsManager);
let dynamo: EmbeddedDynamo;

function secretValue(value: Record<string, string>) {
  return {
    ARN: STRIPE_SECRET_ARN,
    Name: 'StripeSecret3A6F7C2E-k9XbQw',
    VersionId: 'a9c1f0d2-5e3b-4c7a-9f1e-2b4d6c8e0a13',
    SecretString: JSON.stringify(value),
    VersionStages: ['AWSCURRENT'],
    CreatedDate: new Date('2026-11-01T09:00:00Z'),
    $metadata: { httpStatusCode: 200 },
  };
}

function webhookHandler() {
  return createStripeWebhookHandler({
    env: lambdaEnv({ STRIPE_SECRET_ARN }),
    clients: { dynamodb: dynamo.client, secretsManager },
  });
}

function delivery(body: string, signature: string) {
  return httpApiEvent({
    method: 'POST',
    path: '/webhooks/stripe',
    headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature },
    body,
  });
}

const event = {
  id: 'evt_1QvXk2Lr8mN4pQ6s',
  object: 'event',
  api_version: Stripe.API_VERSION,
  created: Math.floor(Date.now() / 1000),
  data: { object: { id: 'cus_R4nD0mCu5t0m3r', object: 'customer', email: 'finance@karolinska.example' } },
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type: 'customer.created',
};

beforeAll(async () => {
  dynamo = await startTable();
});

afterAll(async () => {
  await dynamo.close();
});

beforeEach(() => {
  secrets.reset();
});

describe('stripe-webhook Lambda', () => {
  it('answers a delivery with a forged signature with 400 and records nothing', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves(secretValue({ STRIPE_SECRET_KEY: 'sk_test_51Carechain', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET }));
    const body = JSON.stringify(event);
    const forged = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_not_the_endpoint_secret' });

    const result = await webhookHandler()(delivery(body, forged), LAMBDA_CONTEXT);

    expect(result.statusCode).toBe(400);
    expect(result.headers?.['content-type']).toContain('application/problem+json');
    expect(result.body).not.toContain(WEBHOOK_SECRET);
    expect(await new BillingRepository(new Table(dynamo.client, TABLE_NAME)).hasStripeEvent(event.id)).toBe(false);
  });

  it('answers 404 while the secret still holds the empty placeholders (billing off)', async () => {
    secrets.on(GetSecretValueCommand).resolves(secretValue({ STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' }));
    const body = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: WEBHOOK_SECRET });

    const result = await webhookHandler()(delivery(body, signature), LAMBDA_CONTEXT);

    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body)).toMatchObject({ status: 404 });
  });

  it('reads Secrets Manager once for a container: a signed delivery is processed, its redelivery is a duplicate', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves(secretValue({ STRIPE_SECRET_KEY: 'sk_test_51Carechain', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET }));
    const handler = webhookHandler();
    const body = JSON.stringify({ ...event, id: 'evt_1QvXk2Lr8mN4pQ7t' });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: WEBHOOK_SECRET });

    const first = await handler(delivery(body, signature), LAMBDA_CONTEXT);
    const second = await handler(delivery(body, signature), LAMBDA_CONTEXT);

    expect(first.statusCode).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({ eventId: 'evt_1QvXk2Lr8mN4pQ7t', status: 'ignored' });
    expect(JSON.parse(second.body)).toMatchObject({ eventId: 'evt_1QvXk2Lr8mN4pQ7t', status: 'duplicate' });
    const reads = secrets.commandCalls(GetSecretValueCommand);
    expect(reads).toHaveLength(1);
    expect(reads[0]!.args[0].input).toEqual({ SecretId: STRIPE_SECRET_ARN });
  });

  it('tries Secrets Manager again on the next invocation when the first read failed', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves(secretValue({ STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' }));
    const handler = webhookHandler();
    const body = JSON.stringify(event);

    await expect(handler(delivery(body, 't=1,v1=00'), LAMBDA_CONTEXT)).rejects.toThrow(/STRIPE_SECRET_ARN/);
    const retried = await handler(delivery(body, 't=1,v1=00'), LAMBDA_CONTEXT);

    expect(retried.statusCode).toBe(404);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});
