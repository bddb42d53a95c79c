/**
 * An organisation's usage over time, per meter, by hour or by UTC day (GET /v1/orgs/{orgId}/usage), in the shape
 * `UsageView` (shared/schemas/usage.schemas.ts) describes.
 *
 * Where the numbers come from, per hour in the range:
 * - an hour that ended more than `SETTLED_AFTER_MS` ago and has a ROLLUP item: the rollup's total;
 * - any other hour (the current and previous hours, or an hour the rollup has not reached yet): the sum of its
 *   raw usage records, read directly.
 * So recent figures are exact up to the last flush, and a long range costs one rollup item per hour and meter
 * rather than every flush's record.
 */
import {
  dayOfHour,
  hoursBetween,
  METER_DEFINITIONS,
  METERS,
  type Meter,
  type UsageGranularity,
} from '../domain/metering.ts';
import { ValidationError } from '../errors.ts';
import type { MeterSeries, UsageView } from '../schemas/usage.schemas.ts';
import type { UsageRepository } from './usage.repository.ts';

/** Hours after which an hour's rollup is trusted over its raw records. */
export const SETTLED_AFTER_MS = 2 * 3_600_000;

/** The longest range one call may ask for, in hours (hourly: 31 days; daily: 366 days). */
export const MAX_RANGE_HOURS: Readonly<Record<UsageGranularity, number>> = { hour: 31 * 24, day: 366 * 24 };

export async function usageSeries(
  repository: UsageRepository,
  orgId: string,
  from: Date,
  to: Date,
  granularity: UsageGranularity,
  now: () => Date = () => new Date(),
): Promise<UsageView> {
  const hours = validRange(from, to, granularity);
  const settledBefore = now().getTime() - SETTLED_AFTER_MS;
  const entries = await Promise.all(
    METERS.map(async (meter) => {
      const perHour = await hourlyTotals(repository, orgId, meter, hours, settledBefore);
      return [meter, toSeries(meter, hours, perHour, granularity)] as const;
    }),
  );
  return {
    orgId,
    from: from.toISOString(),
    to: to.toISOString(),
    granularity,
    meters: Object.fromEntries(entries) as Record<Meter, MeterSeries>,
  };
}

async function hourlyTotals(
  repository: UsageRepository,
  orgId: string,
  meter: Meter,
  hours: readonly string[],
  settledBefore: number,
): Promise<Map<string, number>> {
  const first = hours[0] as string;
  const last = hours[hours.length - 1] as string;
  const totals = new Map<string, number>();
  for (const rollup of await repository.rollups(orgId, meter, first, last)) {
    if (Date.parse(rollup.hour) + 3_600_000 <= settledBefore) totals.set(rollup.hour, rollup.total);
  }
  const unsettled = hours.filter((hour) => !totals.has(hour));
  if (unsettled.length === 0) return totals;
  const wanted = new Set(unsettled);
  const records = await repository.records(
    orgId,
    meter,
    unsettled[0] as string,
    unsettled[unsettled.length - 1] as string,
  );
  for (const record of records) {
    if (wanted.has(record.hour)) totals.set(record.hour, (totals.get(record.hour) ?? 0) + record.amount);
  }
  return totals;
}

function toSeries(
  meter: Meter,
  hours: readonly string[],
  perHour: ReadonlyMap<string, number>,
  granularity: UsageGranularity,
): MeterSeries {
  const buckets = new Map<string, number>();
  for (const hour of hours) {
    const start = granularity === 'hour' ? hour : `${dayOfHour(hour)}T00:00Z`;
    buckets.set(start, (buckets.get(start) ?? 0) + (perHour.get(hour) ?? 0));
  }
  const points = [...buckets].map(([start, value]) => ({ start, value }));
  return {
    unit: METER_DEFINITIONS[meter].recordedIn,
    total: points.reduce((sum, point) => sum + point.value, 0),
    points,
  };
}

function validRange(from: Date, to: Date, granularity: UsageGranularity): string[] {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
    throw new ValidationError('from and to must be ISO 8601 instants', [
      { path: 'query.from', message: 'Expected an ISO 8601 instant' },
    ]);
  }
  if (from.getTime() >= to.getTime()) {
    throw new ValidationError('from must be before to', [{ path: 'query.to', message: 'Must be after from' }]);
  }
  const hours = hoursBetween(from, to);
  if (hours.length > MAX_RANGE_HOURS[granularity]) {
    throw new ValidationError(`The range is too long for granularity ${granularity}`, [
      { path: 'query.from', message: `At most ${MAX_RANGE_HOURS[granularity]} hours at this granularity` },
    ]);
  }
  return hours;
}
