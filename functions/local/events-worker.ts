/**
 * Local stand-in for the AWS events function: records outbox events, follows chain logs and consent ledgers and
 * delivers webhooks, one pass every second (or as configured), one pass at a time, in the control plane's process.
 * Webhook receivers under development may run on this machine, so http and private addresses are allowed here
 * (AWS: https to public addresses only).
 */
import { HttpWebhookTransport } from '../../shared/adapters/http/http-webhook-transport.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import type { SecretBox } from '../../shared/ports/secret-box.ts';
import type { createStores } from '../../shared/store/stores.ts';
import { eventStreamJobsOf, runEventPass } from '../jobs/events/event-pass.ts';
import { WebhookSender } from '../services/webhooks/webhook-sender.ts';

export function startEventsWorker(parts: {
  readonly stores: ReturnType<typeof createStores>;
  readonly secrets: SecretBox;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly intervalMs: number;
}) {
  const { stores, clock, secrets } = parts;
  const logger = parts.logger.child({ component: 'events' });
  const transport = new HttpWebhookTransport({ allowPrivateAddresses: true });
  const sender = new WebhookSender({ transport, secrets, clock });
  const jobs = eventStreamJobsOf(stores, { sender, clock, logger });
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const runNow = () => {
    if (stopped) return Promise.resolve();
    running ??= runEventPass(jobs)
      .catch((error: unknown) => logger.warn('event pass failed; the next pass retries', { error }))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(runNow, parts.intervalMs);
  timer.unref();
  return {
    sender,
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await transport.close();
    },
  };
}
