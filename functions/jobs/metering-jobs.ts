/**
 * The hourly metering run, the same in both modes: settle node-hours, roll up the closed hours (re-running is
 * safe), send the settled hours to Stripe's meters once each, and bring subscription quantities in line with the
 * managed nodes each organisation holds. The local worker calls it on a timer; in AWS
 * the metering Lambda calls it from its schedule.
 */
import { hourOf } from '../../shared/domain/metering.ts';
import type { UsageRepository } from '../../shared/metering/usage.repository.ts';
import type { UsageRecorder } from '../../shared/metering/usage-meter.ts';
import { rollupHour } from '../../shared/metering/usage-rollup.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import type { NodesRepository } from '../../shared/store/nodes.repository.ts';
import type { BillingDeps } from '../services/billing/billing-deps.ts';
import { type HourlyUsage, sendHourlyMeterEvents } from './billing/meter-events.job.ts';
import { syncNodeSeats } from './billing/node-seats.job.ts';
import { accrueNodeHours } from './node-hours.ts';

const HOUR_MS = 3_600_000;

export interface MeteringJobDeps {
  readonly nodes: NodesRepository;
  readonly usage: UsageRecorder & { flush(): Promise<unknown> };
  readonly usageRecords: UsageRepository;
  readonly billing: BillingDeps;
  readonly clock: () => Date;
  readonly logger: Logger;
}

/** Rolls up the last `hours` closed hours and returns their totals, oldest first. */
export async function settledRollups(deps: MeteringJobDeps, hours = 48): Promise<HourlyUsage[]> {
  const now = deps.clock().getTime();
  const out: HourlyUsage[] = [];
  for (let back = hours; back >= 1; back--) {
    const hour = new Date(now - back * HOUR_MS);
    for (const rollup of await rollupHour(deps.usageRecords, hour, deps.clock)) {
      out.push({ orgId: rollup.orgId, meter: rollup.meter, hourIso: rollup.hour, value: rollup.total });
    }
  }
  return out;
}

export async function runHourlyMetering(deps: MeteringJobDeps, options: { hours?: number } = {}) {
  await accrueNodeHours(deps);
  await deps.usage.flush();
  // The current hour too, so the usage API's recent figures have a rollup to start from.
  await rollupHour(deps.usageRecords, hourOf(deps.clock()), deps.clock);
  const report = await sendHourlyMeterEvents({
    ...deps.billing,
    rollups: () => settledRollups(deps, options.hours),
  });
  const seats = await syncNodeSeats({ ...deps.billing, fleet: () => deps.nodes.listFleet() });
  deps.logger.info('hourly metering done', { ...report, seats });
  return { ...report, seats };
}
