/**
 * What an organisation used this month, as the input of an invoice estimate when billing is off: compute units
 * and node-hours per size, read from the meters.
 */
import { nodeHoursMeter } from '../../../shared/domain/metering.ts';
import { NODE_SIZES, type NodeSize } from '../../../shared/domain/node.ts';
import type { UsageSummary } from '../../../shared/domain/plans.ts';
import type { UsageRepository } from '../../../shared/metering/usage.repository.ts';
import { usageSeries } from '../../../shared/metering/usage-series.ts';

export async function monthToDateUsage(
  usageRecords: UsageRepository,
  orgId: string,
  clock: () => Date,
): Promise<UsageSummary> {
  const now = clock();
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const series = await usageSeries(usageRecords, orgId, start, now, 'day', clock);
  const nodeHours: Partial<Record<NodeSize, number>> = {};
  for (const size of NODE_SIZES) {
    const seconds = series.meters[nodeHoursMeter(size)].total;
    if (seconds > 0) nodeHours[size] = seconds / 3600;
  }
  return {
    periodStart: start.toISOString(),
    periodEnd: now.toISOString(),
    computeUnits: series.meters.rpc_compute_units.total,
    nodeHours,
  };
}
