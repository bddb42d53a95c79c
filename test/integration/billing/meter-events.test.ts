import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type HourlyUsage,
  type MeterEventsDeps,
  meterEventIdentifier,
  sendHourlyMeterEvents,
} from '../../../functions/jobs/billing/meter-events.job.ts';
import type { BillingDeps } from '../../../functions/services/billing/billing-deps.ts';
import { NoBilling } from '../../../shared/adapters/local/no-billing.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { hourOf } from '../../../shared/domain/metering.ts';
import { STRIPE_METER_EVENT_NAMES } from '../../../shared/domain/plans.ts';
import { BillingRepository, type MeterEventRecord } from '../../../shared/store/billing.repository.ts';
import { type BillingFixture, DAY_MS, startBillingFixture } from './billing-fixture.ts';

let f: BillingFixture;
beforeEach(async () => {
  f = await startBillingFixture(new Date('2026-11-02T10:20:00Z'));
});
afterEach(async () => {
  await f?.close();
});

async function customerOrg(): Promise<{ orgId: string; customerId: string }> {
  const orgId = newId('org');
  const customerId = await f.billing.ensureCustomer({ orgId, name: 'Apotek Syd' });
  const now = f.clock.now().toISOString();
  await f.accounts.create({
    orgId,
    planId: 'managed-member',
    state: 'active',
    customerId,
    subscriptionId: 'sub_x',
    pastDueSince: undefined,
    nodeAction: undefined,
    nodeActionSince: undefined,
    createdAt: now,
    updatedAt: now,
  });
  return { orgId, customerId };
}

function jobDeps(rollups: readonly HourlyUsage[], deps: BillingDeps = f.deps): MeterEventsDeps {
  return { ...deps, rollups: async () => rollups };
}

describe('hourly meter events', () => {
  it('sends one event per rollup with its value, and nothing again on a re-run', async () => {
    const a = await customerOrg();
    const b = await customerOrg();
    const rollups: HourlyUsage[] = [
      { orgId: a.orgId, meter: 'rpc_compute_units', hourIso: '2026-11-02T08:00Z', value: 125_040 },
      { orgId: a.orgId, meter: 'rpc_compute_units', hourIso: '2026-11-02T09:00Z', value: 98_765 },
      { orgId: a.orgId, meter: 'node_hours', hourIso: '2026-11-02T09:00Z', value: 7_200 },
      { orgId: b.orgId, meter: 'signatures', hourIso: '2026-11-02T09:00Z', value: 42 },
    ];

    const first = await sendHourlyMeterEvents(jobDeps(rollups));
    const second = await sendHourlyMeterEvents(jobDeps(rollups));

    expect(first).toMatchObject({ sent: 4, failed: 0, alreadySent: 0 });
    expect(second).toMatchObject({ sent: 0, failed: 0, alreadySent: 4 });
    expect(f.stripe.requestsTo('POST', '/v1/billing/meter_events')).toHaveLength(4);
    const identifiers = f.stripe.meterEvents.map((event) => event.identifier);
    expect(new Set(identifiers).size).toBe(identifiers.length);
    const customerOf = { [a.orgId]: a.customerId, [b.orgId]: b.customerId };
    expect(f.stripe.meterEvents).toEqual(
      rollups.map((usage) =>
        expect.objectContaining({
          event_name: STRIPE_METER_EVENT_NAMES[usage.meter],
          identifier: `${usage.orgId}:${usage.meter}:${usage.hourIso}`,
          payload: { stripe_customer_id: customerOf[usage.orgId], value: String(usage.value) },
          timestamp: Date.parse(usage.hourIso) / 1000,
        }),
      ),
    );
  });

  it('records each delivered hour with the value sent', async () => {
    const { orgId } = await customerOrg();
    const usage: HourlyUsage = { orgId, meter: 'api_requests', hourIso: '2026-11-02T07:00Z', value: 310 };
    await sendHourlyMeterEvents(jobDeps([usage]));
    expect(await f.accounts.getMeterEvent(orgId, 'api_requests', '2026-11-02T07:00Z')).toMatchObject({
      identifier: meterEventIdentifier(usage),
      value: 310,
      outcome: 'sent',
    });
  });

  it('leaves a failed send unrecorded and delivers it on the next run', async () => {
    const { orgId } = await customerOrg();
    const rollups: HourlyUsage[] = [
      { orgId, meter: 'rpc_requests', hourIso: '2026-11-02T08:00Z', value: 10 },
      { orgId, meter: 'rpc_requests', hourIso: '2026-11-02T09:00Z', value: 20 },
    ];
    f.stripe.failNext('POST', '/v1/billing/meter_events', { status: 500 });

    expect(await sendHourlyMeterEvents(jobDeps(rollups))).toMatchObject({ sent: 1, failed: 1 });
    expect(await f.accounts.getMeterEvent(orgId, 'rpc_requests', '2026-11-02T08:00Z')).toBeUndefined();
    expect(await sendHourlyMeterEvents(jobDeps(rollups))).toMatchObject({ sent: 1, failed: 0, alreadySent: 1 });

    expect(f.stripe.meterEvents.map((event) => (event.payload as Record<string, string>).value).sort()).toEqual([
      '10',
      '20',
    ]);
  });

  it('counts an hour Stripe already holds (a crash before recording) as delivered, not twice', async () => {
    const { orgId } = await customerOrg();
    const usage: HourlyUsage = { orgId, meter: 'rpc_compute_units', hourIso: '2026-11-02T09:00Z', value: 500 };
    class CrashOnRecord extends BillingRepository {
      crashes = 1;
      override async recordMeterEvent(record: MeterEventRecord) {
        if (this.crashes-- > 0) throw new Error('process died');
        return super.recordMeterEvent(record);
      }
    }
    const deps = { ...f.deps, accounts: new CrashOnRecord(f.table) };

    expect(await sendHourlyMeterEvents(jobDeps([usage], deps))).toMatchObject({ sent: 0, failed: 1 });
    expect(await sendHourlyMeterEvents(jobDeps([usage], deps))).toMatchObject({ sent: 0, duplicates: 1 });
    expect(await sendHourlyMeterEvents(jobDeps([usage], deps))).toMatchObject({ alreadySent: 1 });

    expect(f.stripe.meterEvents).toHaveLength(1);
    expect((await f.accounts.getMeterEvent(orgId, 'rpc_compute_units', usage.hourIso))?.outcome).toBe('duplicate');
  });

  it('skips zero values, hours not over yet, hours too old, and organisations without a customer', async () => {
    const { orgId } = await customerOrg();
    const report = await sendHourlyMeterEvents(
      jobDeps([
        { orgId, meter: 'signatures', hourIso: '2026-11-02T08:00Z', value: 0 },
        { orgId, meter: 'signatures', hourIso: '2026-11-02T10:00Z', value: 5 },
        { orgId, meter: 'signatures', hourIso: hourOf(new Date(f.clock.now().getTime() - 36 * DAY_MS)), value: 5 },
        { orgId: newId('org'), meter: 'signatures', hourIso: '2026-11-02T08:00Z', value: 5 },
      ]),
    );
    expect(report).toMatchObject({ sent: 0, skipped: 4, failed: 0 });
    expect(f.stripe.requestsTo('POST', '/v1/billing/meter_events')).toEqual([]);
  });

  it('reports a rollup that changed after its hour was sent, without sending it again', async () => {
    const { orgId } = await customerOrg();
    const hourIso = '2026-11-02T08:00Z';
    await sendHourlyMeterEvents(jobDeps([{ orgId, meter: 'rpc_requests', hourIso, value: 100 }]));
    const report = await sendHourlyMeterEvents(jobDeps([{ orgId, meter: 'rpc_requests', hourIso, value: 130 }]));
    expect(report).toMatchObject({ sent: 0, alreadySent: 1, mismatched: 1 });
    expect(f.stripe.meterEvents).toHaveLength(1);
  });

  it('does nothing when billing is off', async () => {
    const { orgId } = await customerOrg();
    const deps = { ...f.deps, billing: new NoBilling() };
    const report = await sendHourlyMeterEvents(
      jobDeps([{ orgId, meter: 'rpc_requests', hourIso: '2026-11-02T08:00Z', value: 1 }], deps),
    );
    expect(report.sent).toBe(0);
    expect(f.stripe.requestsTo('POST', '/v1/billing/meter_events')).toEqual([]);
  });
});
