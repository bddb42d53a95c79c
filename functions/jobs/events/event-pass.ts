/**
 * One pass of the event streams' background work, in the order that makes an event travel in one pass: record the
 * events waiting in outboxes, read new chain logs (their events wait in the follower's cursor), record those, then
 * deliver. The local worker runs it on a timer; the AWS events function runs it in a loop for most of a minute.
 */
import { ChainLogFollower, type ChainLogFollowerDeps } from './chain-log-follower.ts';
import { EventRecorder, type EventRecorderDeps } from './event-recorder.ts';
import { type WebhookDeliveryDeps, WebhookDeliveryWorker } from './webhook-delivery.job.ts';

export interface EventStreamJobs {
  readonly recorder: EventRecorder;
  readonly follower: ChainLogFollower;
  readonly delivery: WebhookDeliveryWorker;
}

export type EventStreamDeps = EventRecorderDeps & ChainLogFollowerDeps & WebhookDeliveryDeps;

export function eventStreamJobs(deps: EventStreamDeps): EventStreamJobs {
  return {
    recorder: new EventRecorder(deps),
    follower: new ChainLogFollower(deps),
    delivery: new WebhookDeliveryWorker(deps),
  };
}

export interface EventPassReport {
  readonly recorded: number;
  readonly chainLogEvents: number;
  readonly delivered: number;
  readonly failed: number;
}

export async function runEventPass(jobs: EventStreamJobs): Promise<EventPassReport> {
  const first = await jobs.recorder.runOnce();
  const followed = await jobs.follower.runOnce();
  const second = followed.events > 0 ? await jobs.recorder.runOnce() : { recorded: 0 };
  const delivered = await jobs.delivery.runOnce();
  return {
    recorded: first.recorded + second.recorded,
    chainLogEvents: followed.events,
    delivered: delivered.delivered,
    failed: delivered.failed,
  };
}
