/**
 * AWS-mode configuration: the variables the control-plane stack sets, validated with messages that name the
 * variable; optional in local mode, demanded by the functions that cannot work without them; the Stripe keys
 * completed from Secrets Manager without ever echoing what the secret holds.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { withStripeSecrets } from '../../../shared/adapters/aws/secrets-manager-stripe-keys.ts';
import { ConfigError, loadConfig, requireAwsSettings } from '../../../shared/config/config.ts';
import { lambdaEnv, OFFLINE_CREDENTIALS, QUEUE_URL, REGION, STRIPE_SECRET_ARN } from './handler-fixtures.ts';

function problemsOf(run: () => unknown): { variable: string; message: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('no ConfigError');
}

const FLEET = {
  CARECHAIN_LAUNCH_TEMPLATES: JSON.stringify({
    small: { id: 'lt-0123456789abcdef0', version: '$Default' },
    large: { id: 'lt-0123456789abcdef2', version: '3' },
  }),
  CARECHAIN_NODE_SUBNET_IDS: 'subnet-0a1b2c3d4e5f60718, subnet-0f1e2d3c4b5a69788',
  CARECHAIN_NODE_CONFIG_BUCKET: 'carechain-dev-nodecfg-123456789012-eu-north-1',
};

describe('AWS settings in the configuration', () => {
  it('reads what the stack sets', () => {
    const config = loadConfig(
      lambdaEnv({
        ...FLEET,
        STRIPE_SECRET_ARN,
        CARECHAIN_PROVISIONING_QUEUE_URL: QUEUE_URL,
        CARECHAIN_PLATFORM_KEY_ID: '0b3c6a2e-1f4d-4e5a-9b6c-7d8e9f0a1b2c',
      }),
    );

    expect(config.version).toBe('0.1.0');
    expect(config.aws).toEqual({
      stage: 'test',
      stripeSecretArn: STRIPE_SECRET_ARN,
      provisioningQueueUrl: QUEUE_URL,
      platformKeyId: '0b3c6a2e-1f4d-4e5a-9b6c-7d8e9f0a1b2c',
      launchTemplates: {
        small: { id: 'lt-0123456789abcdef0', version: '$Default' },
        large: { id: 'lt-0123456789abcdef2', version: '3' },
      },
      nodeSubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0f1e2d3c4b5a69788'],
      nodeConfigBucket: 'carechain-dev-nodecfg-123456789012-eu-north-1',
    });
  });

  it('leaves them unset in local mode', () => {
    expect(Object.values(loadConfig({}).aws).every((value) => value === undefined)).toBe(true);
  });

  it.each([
    ['CARECHAIN_LAUNCH_TEMPLATES', '{"small":'],
    ['CARECHAIN_LAUNCH_TEMPLATES', '{}'],
    ['CARECHAIN_LAUNCH_TEMPLATES', '{"tiny":{"id":"lt-0123456789abcdef0","version":"$Default"}}'],
    ['CARECHAIN_LAUNCH_TEMPLATES', '{"small":{"id":"ami-0123456789abcdef0","version":"$Default"}}'],
    ['CARECHAIN_LAUNCH_TEMPLATES', '{"small":{"id":"lt-0123456789abcdef0","version":"newest"}}'],
    ['CARECHAIN_NODE_SUBNET_IDS', 'subnet-0a1b2c3d4e5f60718,vpc-0a1b2c3d4e5f60718'],
    ['CARECHAIN_NODE_CONFIG_BUCKET', 'Not_A_Bucket'],
    ['CARECHAIN_PROVISIONING_QUEUE_URL', 'carechain-provisioning'],
    ['STRIPE_SECRET_ARN', 'arn:aws:kms:eu-north-1:123456789012:key/0b3c6a2e-1f4d-4e5a-9b6c-7d8e9f0a1b2c'],
    ['CARECHAIN_PLATFORM_KEY_ID', 'platform key'],
    ['CARECHAIN_STAGE', 'dev stage'],
  ])('stops with a message naming %s when it is %j', (variable, value) => {
    const problems = problemsOf(() => loadConfig(lambdaEnv({ [variable]: value })));

    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((problem) => problem.variable === variable)).toBe(true);
  });

  it('needs the table name in aws mode, where the local default names no deployed table', () => {
    const { CARECHAIN_TABLE_NAME: _omitted, ...env } = lambdaEnv();

    expect(problemsOf(() => loadConfig(env))).toEqual([
      { variable: 'CARECHAIN_TABLE_NAME', message: 'is required in aws mode' },
    ]);
  });

  it('names every setting a function cannot work without, and who needs it', () => {
    const config = loadConfig(lambdaEnv({ CARECHAIN_NODE_SUBNET_IDS: FLEET.CARECHAIN_NODE_SUBNET_IDS }));

    const problems = problemsOf(() =>
      requireAwsSettings(config, ['launchTemplates', 'nodeSubnetIds', 'nodeConfigBucket'], 'the reconciler'),
    );

    expect(problems).toEqual([
      { variable: 'CARECHAIN_LAUNCH_TEMPLATES', message: 'is required by the reconciler' },
      { variable: 'CARECHAIN_NODE_CONFIG_BUCKET', message: 'is required by the reconciler' },
    ]);
  });
});

describe('Stripe keys from Secrets Manager', () => {
  const client = new SecretsManagerClient({ region: REGION, credentials: OFFLINE_CREDENTIALS });
  const secrets = mockClient(client);
  const config = loadConfig(lambdaEnv({ STRIPE_SECRET_ARN }));
  const answer = (SecretString: string) => ({
    ARN: STRIPE_SECRET_ARN,
    Name: 'StripeSecret3A6F7C2E-k9XbQw',
    VersionId: 'a9c1f0d2-5e3b-4c7a-9f1e-2b4d6c8e0a13',
    SecretString,
    VersionStages: ['AWSCURRENT'],
    CreatedDate: new Date('2026-11-01T09:00:00Z'),
  });

  beforeEach(() => secrets.reset());

  it('completes the configuration with both keys', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves(answer('{"STRIPE_SECRET_KEY":"sk_live_51Abc","STRIPE_WEBHOOK_SECRET":"whsec_Def"}'));

    const complete = await withStripeSecrets(config, client);

    expect(complete.stripe).toMatchObject({ secretKey: 'sk_live_51Abc', webhookSecret: 'whsec_Def' });
    expect(config.stripe.secretKey).toBeUndefined();
  });

  it('keeps a key set directly in the environment', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves(answer('{"STRIPE_SECRET_KEY":"sk_live_51Abc","STRIPE_WEBHOOK_SECRET":"whsec_Def"}'));
    const withKey = loadConfig(lambdaEnv({ STRIPE_SECRET_ARN, STRIPE_SECRET_KEY: 'sk_test_local' }));

    expect((await withStripeSecrets(withKey, client)).stripe.secretKey).toBe('sk_test_local');
  });

  it('names STRIPE_SECRET_ARN, and never repeats the secret, when it is not the expected JSON', async () => {
    secrets.on(GetSecretValueCommand).resolves(answer('sk_live_51Abc'));

    const error = await withStripeSecrets(config, client).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.variable)).toEqual(['STRIPE_SECRET_ARN']);
    expect((error as Error).message).not.toContain('sk_live_51Abc');
  });

  it('names STRIPE_SECRET_ARN when the secret cannot be read', async () => {
    secrets.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: secretsmanager:GetSecretValue'), {
        name: 'AccessDeniedException',
      }),
    );

    const error = await withStripeSecrets(config, client).catch((caught: unknown) => caught);

    expect((error as ConfigError).problems).toEqual([
      { variable: 'STRIPE_SECRET_ARN', message: 'the secret could not be read (AccessDeniedException)' },
    ]);
  });
});
