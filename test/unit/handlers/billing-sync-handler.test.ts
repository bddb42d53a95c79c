/**
 * The billing-sync Lambda an operator invokes: the Stripe keys from the stack's secret (Secrets Manager mocked
 * with realistic answers), the catalogue synced on the Stripe-shaped test server, a dry run that writes nothing,
 * and a live key that writes only with `confirmLive`.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBillingSyncHandler } from '../../../functions/handlers/billing-sync.ts';
import { desiredCatalogue } from '../../../shared/domain/billing-catalogue.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { FakeStripe } from '../../support/fake-stripe.ts';
import { lambdaEnv, OFFLINE_CREDENTIALS, REGION, STRIPE_SECRET_ARN } from './handler-fixtures.ts';

const desired = desiredCatalogue();
const EVERYTHING = desired.meters.length + desired.products.length + desired.prices.length;
const secretsManager = new SecretsManagerClient({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const secrets = mockClient(secretsManager);
let fake: FakeStripe | undefined;

beforeEach(() => {
  secrets.reset();
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function handlerFor(secretKey: string) {
  fake = await FakeStripe.start({ secretKey });
  secrets.on(GetSecretValueCommand, { SecretId: STRIPE_SECRET_ARN }).resolves({
    ARN: STRIPE_SECRET_ARN,
    Name: 'StripeSecret3A6F7C2E-k9XbQw',
    SecretString: JSON.stringify({ STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: 'whsec_x' }),
    VersionStages: ['AWSCURRENT'],
    $metadata: { httpStatusCode: 200 },
  });
  return createBillingSyncHandler({
    env: lambdaEnv({
      STRIPE_SECRET_ARN,
      STRIPE_API_HOST: '127.0.0.1',
      STRIPE_API_PORT: String(fake.port),
      STRIPE_API_PROTOCOL: 'http',
    }),
    secretsManager,
  });
}

describe('billing-sync Lambda', () => {
  it('plans with the keys from the secret and writes nothing on a dry run', async () => {
    const handler = await handlerFor('sk_test_51CareChainLambda');
    const outcome = await handler({ dryRun: true });
    expect(outcome).toMatchObject({ status: 'planned', mode: 'test', conflicts: [] });
    expect(outcome.status !== 'billing-off' && outcome.changes).toHaveLength(EVERYTHING);
    expect(fake?.writes()).toEqual([]);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('syncs with a test key, and a second invocation finds nothing to do', async () => {
    const handler = await handlerFor('sk_test_51CareChainLambda');
    expect(await handler({})).toMatchObject({ status: 'applied', message: `Made ${EVERYTHING} change(s)` });
    const writes = fake?.writes().length;
    expect(await handler(undefined)).toMatchObject({ status: 'up-to-date', changes: [] });
    expect(fake?.writes()).toHaveLength(writes ?? -1);
  });

  it('changes a live account only when the payload confirms it', async () => {
    const handler = await handlerFor('rk_live_51CareChainRestricted');
    const unconfirmed = await handler({});
    expect(unconfirmed).toMatchObject({
      status: 'confirmation-needed',
      mode: 'live',
      message: expect.stringContaining('{"confirmLive": true}'),
    });
    expect(fake?.writes()).toEqual([]);

    expect(await handler({ confirmLive: true })).toMatchObject({ status: 'applied', mode: 'live' });
    expect(fake?.writes()).toHaveLength(EVERYTHING);
  });

  it('says billing is off while the secret holds only the placeholders', async () => {
    const handler = await handlerFor('sk_test_unused');
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' }),
      $metadata: { httpStatusCode: 200 },
    });
    expect(await handler({})).toMatchObject({ status: 'billing-off' });
    expect(fake?.requests).toEqual([]);
  });

  it('refuses a payload it does not understand', async () => {
    const handler = await handlerFor('sk_test_51CareChainLambda');
    await expect(handler({ dryrun: true })).rejects.toBeInstanceOf(ValidationError);
    expect(fake?.requests).toEqual([]);
  });
});
