/**
 * Node-hours from the node lifecycle, in total and per node size (plans price nodes per size). A managed node's clock starts when it enters a billed state (the record's
 * `meteredUntil` is set by that transition); each run meters from the mark to now (or to the moment the node left
 * the billed states), split at hour boundaries so each second lands in the hour it was used. The mark moves
 * before the seconds are counted: a crash in between can lose one slice, never count one twice.
 */
import { nodeHoursMeter } from '../../shared/domain/metering.ts';
import { isBilledState } from '../../shared/domain/node.ts';
import type { UsageRecorder } from '../../shared/metering/usage-meter.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import type { NodesRepository } from '../../shared/store/nodes.repository.ts';

/** Splits [from, to) into per-hour slices of whole seconds. */
export function secondsPerHour(from: Date, to: Date): Array<{ hourStart: Date; seconds: number }> {
  const slices: Array<{ hourStart: Date; seconds: number }> = [];
  let cursor = Math.floor(from.getTime() / 1000);
  const end = Math.floor(to.getTime() / 1000);
  while (cursor < end) {
    const hourStart = cursor - (cursor % 3600);
    const sliceEnd = Math.min(end, hourStart + 3600);
    slices.push({ hourStart: new Date(hourStart * 1000), seconds: sliceEnd - cursor });
    cursor = sliceEnd;
  }
  return slices;
}

export async function accrueNodeHours(deps: {
  readonly nodes: NodesRepository;
  readonly usage: UsageRecorder;
  readonly clock: () => Date;
  readonly logger: Logger;
}): Promise<{ nodes: number; seconds: number }> {
  const now = deps.clock().toISOString();
  let seconds = 0;
  let nodes = 0;
  for (const node of await deps.nodes.listFleet()) {
    const mark = node.meteredUntil;
    if (node.hosting !== 'managed' || !mark) continue;
    // Billed now: up to now. Left the billed states since the mark: up to the moment it left.
    const until = isBilledState(node.state) ? now : node.stateChangedAt;
    if (until <= mark) continue;
    if (!(await deps.nodes.markMetered(node, mark, until))) continue;
    for (const slice of secondsPerHour(new Date(mark), new Date(until))) {
      deps.usage.record(node.orgId, 'node_hours', slice.seconds, slice.hourStart);
      deps.usage.record(node.orgId, nodeHoursMeter(node.size), slice.seconds, slice.hourStart);
      seconds += slice.seconds;
    }
    nodes++;
  }
  if (seconds) deps.logger.debug('node-hours accrued', { nodes, seconds });
  return { nodes, seconds };
}
