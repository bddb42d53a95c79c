/**
 * Lambda entry for Stripe's webhooks (POST /webhooks/stripe, API Gateway HTTP API payload v2): the same app
 * as the local server's endpoint, with the signing secret read from Secrets Manager on the first invocation.
 */
import { createStripeWebhookApp } from '../api/stripe-webhook-app.ts';
import { settledAppHandler } from './aws-app-handler.ts';
import { awsBillingDeps } from './aws-billing.ts';
import type { AwsWiringOptions } from './aws-core.ts';

export function createStripeWebhookHandler(options: AwsWiringOptions = {}) {
  return settledAppHandler(
    () => awsBillingDeps('stripe-webhook', options),
    (deps) =>
      createStripeWebhookApp({
        billing: deps.billingWiring.deps,
        webhookSecret: deps.config.stripe.webhookSecret,
        logger: deps.logger,
      }),
  );
}

export const handler = createStripeWebhookHandler();
