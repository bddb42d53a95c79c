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

/** Rounds of following and recording in one pass: the follower hands over a bounded batch of logs per round. */
const FOLLOW_ROUNDS = 25;

export async function runEventPass(jobs: EventStreamJobs): Promise<EventPassReport> {
  let recorded = (await jobs.recorder.runOnce()).recorded;
  let chainLogEvents = 0;
  for (let round = 0; round < FOLLOW_ROUNDS; round++) {
    const followed = await jobs.follower.runOnce();
    if (followed.events === 0) break;
    chainLogEvents += followed.events;
    recorded += (await jobs.recorder.runOnce()).recorded;
  }
  const delivered = await jobs.delivery.runOnce();
  return { recorded, chainLogEvents, delivered: delivered.delivered, failed: delivered.failed };
}
