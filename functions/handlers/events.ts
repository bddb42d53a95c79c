/**
 * Scheduled Lambda (EventBridge Scheduler, every minute): the event streams' background work in AWS, what the local
 * events worker does every second. Each invocation runs event passes (record outbox events, follow chain logs from
 * their checkpoints, deliver webhooks; event-pass.ts) one after another, a second apart, for 50 seconds, so one
 * invocation ends before the next begins and every step it takes is a conditional write a successor can continue.
 */
import { ConfigError } from '../../shared/config/config.ts';
import { createStores } from '../../shared/store/stores.ts';
import { type EventPassReport, eventStreamJobsOf, runEventPass } from '../jobs/events/event-pass.ts';
import { type AwsWiringOptions, awsCore, coldStart } from './aws-core.ts';
import { awsWebhookDelivery } from './aws-webhooks.ts';

/** How long one invocation runs passes. */
export const EVENTS_RUN_MS = 50_000;
const PASS_INTERVAL_MS = 1_000;

export interface EventsHandlerOptions extends AwsWiringOptions {
  /** @default EVENTS_RUN_MS */
  readonly runMs?: number;
}

export function createEventsHandler(options: EventsHandlerOptions = {}) {
  const ready = coldStart(async () => {
    const core = awsCore('events', options);
    const delivery = awsWebhookDelivery(core);
    if (!delivery) {
      throw new ConfigError([
        { variable: 'CARECHAIN_WEBHOOK_KEY_ID', message: 'the webhook-secrets key is not named' },
      ]);
    }
    const stores = createStores(core.table, core.clock);
    const jobs = eventStreamJobsOf(stores, {
      sender: delivery.sender,
      clock: core.clock,
      logger: core.logger.child({ component: 'events' }),
    });
    return { core, jobs };
  });
  return async (): Promise<EventPassReport & { passes: number }> => {
    const { core, jobs } = await ready();
    const until = core.clock().getTime() + (options.runMs ?? EVENTS_RUN_MS);
    const total = { recorded: 0, chainLogEvents: 0, consentEvents: 0, delivered: 0, failed: 0, passes: 0 };
    do {
      const started = core.clock().getTime();
      const report = await runEventPass(jobs);
      total.recorded += report.recorded;
      total.chainLogEvents += report.chainLogEvents;
      total.consentEvents += report.consentEvents;
      total.delivered += report.delivered;
      total.failed += report.failed;
      total.passes++;
      const wait = Math.min(PASS_INTERVAL_MS - (core.clock().getTime() - started), until - core.clock().getTime());
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    } while (core.clock().getTime() < until);
    core.logger.info('event passes done', total);
    return total;
  };
}

export const handler = createEventsHandler();
