/**
 * Lambda entry for Stripe's webhooks (POST /webhooks/stripe, API Gateway HTTP API payload v2): the same app
 * as the local server's endpoint, with the signing secret read from Secrets Manager on the first invocation.
 */
import { handle } from 'hono/aws-lambda';
import { createStripeWebhookApp } from '../api/stripe-webhook-app.ts';
import { type AwsWiringOptions, coldStart } from './aws-core.ts';
import { awsDeps } from './aws-deps.ts';

type WebhookHandler = ReturnType<typeof handle>;

export function createStripeWebhookHandler(options: AwsWiringOptions = {}): WebhookHandler {
  const ready = coldStart(async () => {
    const deps = await awsDeps('stripe-webhook', options);
    const app = createStripeWebhookApp({
      billing: deps.billing,
      webhookSecret: deps.config.stripe.webhookSecret,
      logger: deps.logger,
    });
    return { deps, handleRequest: handle(app) };
  });
  return async (event, context) => {
    const { deps, handleRequest } = await ready();
    try {
      return await handleRequest(event, context);
    } finally {
      await deps.settle();
    }
  };
}

export const handler = createStripeWebhookHandler();
