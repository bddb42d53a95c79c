/**
 * Stripe keys in AWS: the stack keeps them in Secrets Manager (JSON with STRIPE_SECRET_KEY and
 * STRIPE_WEBHOOK_SECRET) and names the secret in STRIPE_SECRET_ARN. They are read once per container, before
 * anything that needs them is built, and complete the configuration.
 *
 * The stack creates the secret with empty placeholders: until operators store the real values, billing is off,
 * exactly as in local mode without STRIPE_SECRET_KEY. A value set directly in the environment is kept.
 * Messages name the variable and never carry anything read from the secret.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { type Config, ConfigError } from '../../config/config.ts';

const emptyAsUnset = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value ? value : undefined));

const StripeSecret = z.object({ STRIPE_SECRET_KEY: emptyAsUnset, STRIPE_WEBHOOK_SECRET: emptyAsUnset });

export async function withStripeSecrets(config: Config, client: SecretsManagerClient): Promise<Config> {
  const secretId = config.aws.stripeSecretArn;
  if (!secretId) return config;
  let secretString: string | undefined;
  try {
    ({ SecretString: secretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId })));
  } catch (error) {
    const reason = error instanceof Error ? error.name : 'unknown error';
    throw new ConfigError([{ variable: 'STRIPE_SECRET_ARN', message: `the secret could not be read (${reason})` }], {
      cause: error,
    });
  }
  const secret = StripeSecret.safeParse(parseJson(secretString));
  if (!secret.success) {
    throw new ConfigError([
      {
        variable: 'STRIPE_SECRET_ARN',
        message: 'the secret must be JSON with string fields STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET',
      },
    ]);
  }
  return {
    ...config,
    stripe: {
      ...config.stripe,
      secretKey: config.stripe.secretKey ?? secret.data.STRIPE_SECRET_KEY,
      webhookSecret: config.stripe.webhookSecret ?? secret.data.STRIPE_WEBHOOK_SECRET,
    },
  };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
