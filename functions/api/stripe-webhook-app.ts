/**
 * Stripe's webhook endpoint as its own small app: the raw body is verified (signature, 300 s tolerance) before
 * anything is parsed, duplicates are acknowledged, and the answer is fast (2xx) so Stripe does not retry.
 * Served at POST /webhooks/stripe by its own Lambda in AWS and by the local server.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError, PayloadTooLargeError } from '../../shared/errors.ts';
import { problemBody } from '../../shared/http/problem.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import type { BillingDeps } from '../services/billing/billing-deps.ts';
import { handleStripeWebhook } from '../services/billing/stripe-webhook.service.ts';

/** Stripe events (invoices with many lines) can exceed the API's default body limit. */
const WEBHOOK_BODY_LIMIT = 512 * 1024;

export function createStripeWebhookApp(deps: {
  readonly billing: BillingDeps;
  readonly webhookSecret: string | undefined;
  readonly logger: Logger;
}) {
  const app = new Hono();
  app.post(
    '/webhooks/stripe',
    bodyLimit({
      maxSize: WEBHOOK_BODY_LIMIT,
      onError: () => {
        throw new PayloadTooLargeError('Webhook body too large');
      },
    }),
    async (c) => {
      const outcome = await handleStripeWebhook({
        rawBody: await c.req.text(),
        signatureHeader: c.req.header('stripe-signature'),
        secret: deps.webhookSecret,
        deps: deps.billing,
      });
      deps.logger.info('stripe webhook', { eventId: outcome.eventId, type: outcome.type, status: outcome.status });
      return c.json(outcome, 200);
    },
  );
  app.onError((error, c) => {
    if (error instanceof AppError) {
      return c.body(JSON.stringify(problemBody(error, undefined, '/webhooks/stripe')), error.status as 400, {
        'content-type': 'application/problem+json',
      });
    }
    deps.logger.error('stripe webhook failed; Stripe will deliver it again', { error });
    return c.json({ error: 'temporarily unavailable' }, 503);
  });
  return app;
}
