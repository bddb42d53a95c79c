/**
 * One pass of the event streams' background work, in the order that makes an event travel in one pass: record the
 * events waiting in outboxes, read new chain logs and consent-ledger logs (their events wait in the followers'
 * cursors), record those, then deliver. The local worker runs it on a timer; the AWS events function runs it in a loop for most of a minute.
 */
import type { WebhookEndpoint } from '../../../shared/domain/webhooks.ts';
import type { ChainLogCursorsRepository } from '../../../shared/store/chain-log-cursors.repository.ts';
import type { GovernanceRepository } from '../../../shared/store/governance.repository.ts';
import type { createStores } from '../../../shared/store/stores.ts';
import type { WebhooksRepository } from '../../../shared/store/webhooks.repository.ts';
import { ChainLogFollower, type ChainLogFollowerDeps } from './chain-log-follower.ts';
import { consentEventStream } from './consent-event-stream.ts';
import { EventRecorder, type EventRecorderDeps } from './event-recorder.ts';
import { type WebhookDeliveryDeps, WebhookDeliveryWorker } from './webhook-delivery.job.ts';

export interface EventStreamJobs {
  /** Every webhook endpoint, listed once per pass for the followers and the delivery worker. */
  readonly endpoints: PassEndpoints;
  readonly recorder: EventRecorder;
  readonly follower: ChainLogFollower;
  /** Follows each network's consent ledger for the `consent.*` events. */
  readonly consentFollower: ChainLogFollower;
  readonly delivery: WebhookDeliveryWorker;
}

export type EventStreamDeps = EventRecorderDeps &
  ChainLogFollowerDeps &
  WebhookDeliveryDeps & {
    /** The consent ledger follower's cursors (`CONSENTCURSOR`), apart from the chain-log follower's. */
    readonly consentCursors: ChainLogCursorsRepository;
    /** Which organisation holds each member address, for the consent events' recipients. */
    readonly members: Pick<GovernanceRepository, 'listMembers'>;
  };

/**
 * The endpoint listing a pass shares: reading every endpoint takes a query per shard of the index, and each pass
 * asked for it at least three times (each follower's round, then delivery). Listed at the first ask of a pass and
 * kept until the next pass starts; an endpoint registered meanwhile is served from the next pass on, a second
 * later locally. A listing that failed is asked again.
 */
export class PassEndpoints {
  #listed: Promise<WebhookEndpoint[]> | undefined;

  constructor(private readonly webhooks: Pick<WebhooksRepository, 'listAll'>) {}

  readonly list = (): Promise<WebhookEndpoint[]> => {
    this.#listed ??= this.webhooks.listAll().catch((error: unknown) => {
      this.#listed = undefined;
      throw error;
    });
    return this.#listed;
  };

  /** Forgets the last pass's listing. */
  startPass(): void {
    this.#listed = undefined;
  }
}

export function eventStreamJobs(deps: EventStreamDeps): EventStreamJobs {
  const endpoints = new PassEndpoints(deps.webhooks);
  const shared = { ...deps, listEndpoints: endpoints.list };
  return {
    endpoints,
    recorder: new EventRecorder(deps),
    follower: new ChainLogFollower(shared),
    consentFollower: new ChainLogFollower(
      { ...shared, cursors: deps.consentCursors },
      consentEventStream(deps.members),
    ),
    delivery: new WebhookDeliveryWorker(shared),
  };
}

/** The jobs over the control plane's stores, as both the local worker and the AWS events function run them. */
export function eventStreamJobsOf(
  stores: ReturnType<typeof createStores>,
  parts: Pick<EventStreamDeps, 'sender' | 'clock' | 'logger'>,
): EventStreamJobs {
  return eventStreamJobs({
    events: stores.events,
    webhooks: stores.webhooks,
    networks: stores.networks,
    nodes: stores.nodes,
    cursors: stores.chainLogCursors,
    consentCursors: stores.consentCursors,
    members: stores.governance,
    wantsEvents: (orgId) => stores.webhooks.orgHasEndpoints(orgId),
    ...parts,
  });
}

export interface EventPassReport {
  readonly recorded: number;
  readonly chainLogEvents: number;
  readonly consentEvents: number;
  readonly delivered: number;
  readonly failed: number;
}

/** Rounds of following and recording in one pass: the follower hands over a bounded batch of logs per round. */
const FOLLOW_ROUNDS = 25;

export async function runEventPass(jobs: EventStreamJobs): Promise<EventPassReport> {
  jobs.endpoints.startPass();
  let recorded = (await jobs.recorder.runOnce()).recorded;
  let chainLogEvents = 0;
  let consentEvents = 0;
  for (let round = 0; round < FOLLOW_ROUNDS; round++) {
    const followed = await jobs.follower.runOnce();
    const consents = await jobs.consentFollower.runOnce();
    if (followed.events + consents.events === 0) break;
    chainLogEvents += followed.events;
    consentEvents += consents.events;
    recorded += (await jobs.recorder.runOnce()).recorded;
  }
  const delivered = await jobs.delivery.runOnce();
  return { recorded, chainLogEvents, consentEvents, delivered: delivered.delivered, failed: delivered.failed };
}
