/**
 * The hourly meter-event job (docs/architecture.md, "Metering"): for each (organisation, meter, hour) rollup it is
 * given, sends one pre-aggregated meter event to the payment provider with the deterministic identifier
 * `<orgId>:<meter>:<hour>`, and records the delivery as `ORG#<orgId>` / `METEREVENT#<meter>#<hour>` (conditional
 * put) after the provider accepted it.
 *
 * Exactly once: a re-run skips recorded hours; a crash between send and record makes the next run send again,
 * which the provider refuses as a duplicate identifier, and that refusal is recorded as delivered. A failed send
 * is not recorded and is retried by the next run.
 *
 * Give it settled hours only (after the rollup's late pass): an hour is sent once, so a rollup that grows after
 * its delivery is reported as `mismatched` for an operator rather than sent twice.
 */
import type { BillingAccount } from '../../../shared/domain/billing-state.ts';
import type { Meter } from '../../../shared/domain/metering.ts';
import { isHourKey } from '../../../shared/domain/metering.ts';
import { STRIPE_METER_EVENT_NAMES } from '../../../shared/domain/plans.ts';
import type { Logger } from '../../../shared/observability/logger.ts';
import type { BillingProvider } from '../../../shared/ports/billing-provider.ts';
import type { BillingRepository } from '../../../shared/store/billing.repository.ts';

export interface HourlyUsage {
  readonly orgId: string;
  readonly meter: Meter;
  /** Hour key as metering writes it: `2026-11-24T20:00Z`. */
  readonly hourIso: string;
  /** A whole number in the meter's recorded unit (node time in node-seconds). */
  readonly value: number;
}

export interface MeterEventsDeps {
  readonly billing: BillingProvider;
  readonly accounts: BillingRepository;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** The settled hourly rollups to deliver (e.g. the last 48 closed hours). */
  readonly rollups: () => Promise<readonly HourlyUsage[]>;
  /** @default STRIPE_METER_EVENT_NAMES */
  readonly eventNames?: Readonly<Record<Meter, string>>;
}

export interface MeterEventsReport {
  readonly sent: number;
  /** Delivered by an earlier run that crashed before recording it: the provider refused the identifier. */
  readonly duplicates: number;
  readonly alreadySent: number;
  /** Recorded with another value than the rollup has now. */
  readonly mismatched: number;
  /** Zero values, organisations without a customer, hours not over yet or too old for the provider. */
  readonly skipped: number;
  readonly failed: number;
}

const HOUR_MS = 3_600_000;
/** Stripe accepts meter events up to 35 days old; an hour of margin for the run's own duration. */
const MAX_AGE_MS = 35 * 86_400_000 - HOUR_MS;

export function meterEventIdentifier(usage: Pick<HourlyUsage, 'orgId' | 'meter' | 'hourIso'>): string {
  return `${usage.orgId}:${usage.meter}:${usage.hourIso}`;
}

export async function sendHourlyMeterEvents(deps: MeterEventsDeps): Promise<MeterEventsReport> {
  const report = { sent: 0, duplicates: 0, alreadySent: 0, mismatched: 0, skipped: 0, failed: 0 };
  if (!deps.billing.enabled) return report;
  const eventNames = deps.eventNames ?? STRIPE_METER_EVENT_NAMES;
  const accounts = new Map<string, BillingAccount | undefined>();

  for (const usage of await deps.rollups()) {
    const log = { orgId: usage.orgId, meter: usage.meter, hour: usage.hourIso };
    const hourStart = Date.parse(usage.hourIso);
    const now = deps.clock().getTime();
    if (!isHourKey(usage.hourIso) || !Number.isSafeInteger(usage.value) || usage.value < 0) {
      deps.logger.warn('meter job skipped a malformed rollup', { ...log, value: usage.value });
      report.skipped++;
      continue;
    }
    if (usage.value === 0 || hourStart + HOUR_MS > now) {
      report.skipped++;
      continue;
    }
    if (now - hourStart > MAX_AGE_MS) {
      deps.logger.warn('meter job skipped an hour too old for the payment provider', log);
      report.skipped++;
      continue;
    }

    const recorded = await deps.accounts.getMeterEvent(usage.orgId, usage.meter, usage.hourIso);
    if (recorded) {
      report.alreadySent++;
      if (recorded.value !== usage.value) {
        report.mismatched++;
        deps.logger.warn('usage changed after its hour was billed', { ...log, sent: recorded.value, now: usage.value });
      }
      continue;
    }

    if (!accounts.has(usage.orgId)) accounts.set(usage.orgId, await deps.accounts.get(usage.orgId));
    const customerId = accounts.get(usage.orgId)?.customerId;
    if (!customerId) {
      report.skipped++;
      continue;
    }

    const identifier = meterEventIdentifier(usage);
    try {
      const outcome = await deps.billing.sendMeterEvent({
        eventName: eventNames[usage.meter],
        customerId,
        value: usage.value,
        identifier,
        timestamp: new Date(hourStart),
      });
      await deps.accounts.recordMeterEvent({
        orgId: usage.orgId,
        meter: usage.meter,
        hour: usage.hourIso,
        identifier,
        value: usage.value,
        sentAt: deps.clock().toISOString(),
        outcome,
      });
      if (outcome === 'sent') report.sent++;
      else report.duplicates++;
    } catch (error) {
      report.failed++;
      deps.logger.warn('meter event not delivered; the next run retries it', { ...log, error });
    }
  }
  return report;
}
