/**
 * The hourly rollup: sums an hour's usage records per (organisation, meter) into ROLLUP items.
 *
 * It is a pure recomputation from the immutable records, so running it again is always safe and never counts
 * twice. The scheduler runs it for hour H a few minutes after H ends (flush interval plus index lag), and again
 * later (for records a flusher could only write after an outage); each run overwrites the rollup with a sum that
 * is at least as complete.
 */
import { hourOf, isHourKey, METERS, type UsageRollup } from '../domain/metering.ts';
import { ValidationError } from '../errors.ts';
import type { UsageRepository } from './usage.repository.ts';

/** Rolls up every organisation that used anything in `hour` (an hour key or any instant inside the hour). */
export async function rollupHour(
  repository: UsageRepository,
  hour: string | Date,
  now: () => Date = () => new Date(),
): Promise<UsageRollup[]> {
  const hourKey = toHourKey(hour);
  const organisations = await repository.organisationsWithUsage(hourKey);
  const rollups: UsageRollup[] = [];
  for (const orgId of organisations) rollups.push(...(await rollupOrganisationHour(repository, orgId, hourKey, now)));
  return rollups;
}

/** Recomputes one organisation's rollups for an hour from its records (strongly consistent reads). */
export async function rollupOrganisationHour(
  repository: UsageRepository,
  orgId: string,
  hour: string | Date,
  now: () => Date = () => new Date(),
): Promise<UsageRollup[]> {
  const hourKey = toHourKey(hour);
  const rollups = await Promise.all(
    METERS.map(async (meter): Promise<UsageRollup | undefined> => {
      const records = await repository.recordsOfHour(orgId, meter, hourKey);
      if (records.length === 0) return undefined;
      const rollup: UsageRollup = {
        orgId,
        meter,
        hour: hourKey,
        total: records.reduce((sum, record) => sum + record.amount, 0),
        records: records.length,
        computedAt: now().toISOString(),
      };
      await repository.writeRollup(rollup);
      return rollup;
    }),
  );
  return rollups.filter((rollup): rollup is UsageRollup => rollup !== undefined);
}

function toHourKey(hour: string | Date): string {
  if (hour instanceof Date) return hourOf(hour);
  if (!isHourKey(hour)) throw new ValidationError(`Not an hour key (YYYY-MM-DDTHH:00Z): ${hour}`);
  return hour;
}
