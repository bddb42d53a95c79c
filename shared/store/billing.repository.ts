/**
 * Billing items in the single table (docs/architecture.md, "The single table"), each written with one conditional single-item write:
 *
 * - `ORG#<orgId>` / `BILLING`: the organisation's billing account, changed only with the version it was read at. A
 *   change of state writes its `billing.state_changed` event into the account's outbox in the same write.
 *   While past due it carries GSI1 keys `BILLING#past_due` / `<pastDueSince>#<orgId>`, so the grace-period job finds
 *   overdue accounts with one range query; while a node action waits to be confirmed it carries GSI2 keys
 *   `BILLING#node-action` / `<since>#<orgId>`, so a crashed action is found and retried. Both indexes are sparse and
 *   hold only the few accounts in those situations, so one partition each is enough.
 * - `STRIPEEVENT#<eventId>` / `META`: a webhook event that has been processed (kept 30 days; Stripe redelivers for
 *   3 days).
 * - `ORG#<orgId>` / `METEREVENT#<meter>#<hour>`: a usage hour delivered to the payment provider, with the value sent.
 */
import type { BillingAccount, BillingState, NodeAction } from '../domain/billing-state.ts';
import { type OutboxEntry, outboxFor, platformEvent } from '../domain/events.ts';
import type { Meter } from '../domain/metering.ts';
import type { PlanId } from '../domain/plans.ts';
import { ConditionFailedError, type Item, outboxAttributes, type Table } from './table.ts';

export const billingKeys = {
  account: (orgId: string) => ({ pk: `ORG#${orgId}`, sk: 'BILLING' }),
  stripeEvent: (eventId: string) => ({ pk: `STRIPEEVENT#${eventId}`, sk: 'META' }),
  meterEvent: (orgId: string, meter: Meter, hour: string) => ({
    pk: `ORG#${orgId}`,
    sk: `METEREVENT#${meter}#${hour}`,
  }),
  pastDueIndex: 'BILLING#past_due',
  nodeActionIndex: 'BILLING#node-action',
} as const;

/** Sorts after any `<timestamp>#<orgId>` suffix. */
const AFTER_ANY_ID = '#~';
const STRIPE_EVENT_RETENTION_SECONDS = 30 * 86_400;

type AccountItem = Item & BillingAccount & { type: 'billing-account' };

export interface MeterEventRecord {
  readonly orgId: string;
  readonly meter: Meter;
  readonly hour: string;
  readonly identifier: string;
  readonly value: number;
  readonly sentAt: string;
  /** `duplicate`: the provider already held the identifier (an earlier run sent it and crashed before recording). */
  readonly outcome: 'sent' | 'duplicate';
}

type MeterEventItem = Item & MeterEventRecord & { type: 'meter-event' };

export type RecordOutcome = 'recorded' | 'already-recorded';

/** The account fields a caller sets; the repository keeps `version`. */
export type BillingAccountFields = Omit<BillingAccount, 'version'>;

const OPTIONAL_FIELDS = [
  'customerId',
  'subscriptionId',
  'pastDueSince',
  'nodeAction',
  'nodeActionSince',
  'openCheckoutSessionId',
] as const;

export class BillingRepository {
  constructor(private readonly table: Table) {}

  async get(orgId: string): Promise<BillingAccount | undefined> {
    const item = await this.table.get<AccountItem>(billingKeys.account(orgId));
    return item ? toAccount(item) : undefined;
  }

  /** Creates the account; ConditionFailedError (409) if the organisation has one already. */
  async create(fields: BillingAccountFields): Promise<BillingAccount> {
    const key = billingKeys.account(fields.orgId);
    const item = { ...key, ...fields, ...indexAttributes(fields), version: 1 };
    const events = stateChanged(fields, undefined);
    await this.table.create(
      { ...item, ...outboxAttributes(key, events), type: 'billing-account' },
      'The organisation already has a billing account',
    );
    return { ...fields, version: 1 };
  }

  /**
   * Writes the whole account if it is still the version `previous` was read at; ConditionFailedError (409) if
   * someone changed it meanwhile, in which case the caller reads it again and decides again.
   */
  async save(
    fields: BillingAccountFields,
    previous: Pick<BillingAccount, 'version' | 'state'>,
  ): Promise<BillingAccount> {
    const index = indexAttributes(fields);
    const remove: string[] = OPTIONAL_FIELDS.filter((field) => fields[field] === undefined);
    if (!index.gsi1pk) remove.push('gsi1pk', 'gsi1sk');
    if (!index.gsi2pk) remove.push('gsi2pk', 'gsi2sk');
    const { orgId: _orgId, ...changes } = fields;
    const item = await this.table.update<AccountItem>(
      billingKeys.account(fields.orgId),
      previous.version,
      { ...changes, ...index },
      { remove, events: stateChanged(fields, previous.state) },
    );
    return toAccount(item);
  }

  /** Accounts that entered past_due at or before `before`, oldest first (index reads lag: re-read before acting). */
  async listPastDue(before: Date): Promise<BillingAccount[]> {
    const items = await this.table.queryAll<AccountItem>(billingKeys.pastDueIndex, {
      index: 'gsi1',
      between: ['0', `${before.toISOString()}${AFTER_ANY_ID}`],
    });
    return items.map(toAccount);
  }

  /** Accounts whose node action was decided at or before `before` and is not confirmed yet. */
  async listPendingNodeActions(before: Date): Promise<BillingAccount[]> {
    const items = await this.table.queryAll<AccountItem>(billingKeys.nodeActionIndex, {
      index: 'gsi2',
      between: ['0', `${before.toISOString()}${AFTER_ANY_ID}`],
    });
    return items.map(toAccount);
  }

  async hasStripeEvent(eventId: string): Promise<boolean> {
    return (await this.table.get(billingKeys.stripeEvent(eventId))) !== undefined;
  }

  /** Marks a webhook event processed; `already-recorded` when another delivery got there first. */
  async recordStripeEvent(event: { id: string; type: string; processedAt: Date }): Promise<RecordOutcome> {
    return this.createOnce({
      ...billingKeys.stripeEvent(event.id),
      type: 'stripe-event',
      eventId: event.id,
      eventType: event.type,
      processedAt: event.processedAt.toISOString(),
      expiresAt: Math.floor(event.processedAt.getTime() / 1000) + STRIPE_EVENT_RETENTION_SECONDS,
    });
  }

  async getMeterEvent(orgId: string, meter: Meter, hour: string): Promise<MeterEventRecord | undefined> {
    const item = await this.table.get<MeterEventItem>(billingKeys.meterEvent(orgId, meter, hour));
    if (!item) return undefined;
    const { orgId: org, meter: m, hour: h, identifier, value, sentAt, outcome } = item;
    return { orgId: org, meter: m, hour: h, identifier, value, sentAt, outcome };
  }

  async recordMeterEvent(record: MeterEventRecord): Promise<RecordOutcome> {
    return this.createOnce<MeterEventItem>({
      ...billingKeys.meterEvent(record.orgId, record.meter, record.hour),
      ...record,
      type: 'meter-event',
    });
  }

  private async createOnce<T extends Item>(item: T): Promise<RecordOutcome> {
    try {
      await this.table.create(item);
      return 'recorded';
    } catch (error) {
      if (error instanceof ConditionFailedError) return 'already-recorded';
      throw error;
    }
  }
}

/** The event of a change of state (or of a new account), none when the state stays. */
function stateChanged(fields: BillingAccountFields, previousState: BillingState | undefined): OutboxEntry[] {
  if (fields.state === previousState) return [];
  const at = new Date(fields.updatedAt);
  return outboxFor([
    platformEvent('billing.state_changed', fields.orgId, Number.isNaN(at.getTime()) ? new Date() : at, {
      state: fields.state,
      previousState: previousState ?? null,
      planId: fields.planId,
    }),
  ]);
}

function indexAttributes(fields: BillingAccountFields): Record<string, string | undefined> {
  const pastDue = fields.state === 'past_due' && fields.pastDueSince;
  const action = fields.nodeAction && fields.nodeActionSince;
  return {
    gsi1pk: pastDue ? billingKeys.pastDueIndex : undefined,
    gsi1sk: pastDue ? `${fields.pastDueSince}#${fields.orgId}` : undefined,
    gsi2pk: action ? billingKeys.nodeActionIndex : undefined,
    gsi2sk: action ? `${fields.nodeActionSince}#${fields.orgId}` : undefined,
  };
}

function toAccount(item: AccountItem): BillingAccount {
  return {
    orgId: item.orgId,
    planId: item.planId as PlanId,
    state: item.state as BillingState,
    customerId: item.customerId,
    subscriptionId: item.subscriptionId,
    pastDueSince: item.pastDueSince,
    nodeAction: item.nodeAction as NodeAction | undefined,
    nodeActionSince: item.nodeActionSince,
    openCheckoutSessionId: item.openCheckoutSessionId,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
  };
}
