/**
 * Node-hours from the node lifecycle, in total and per node size (plans price nodes per size). A managed node's
 * clock starts when it enters a billed state (the record's `meteredUntil` is set by that transition); each run
 * meters from the mark to now (or to the moment the node left the billed states, `leftBilledAt`), less the gaps
 * in which it was out of them and came back before a run, split at hour boundaries so each second lands in the
 * hour it was used. The mark moves before the seconds are counted: a crash in between can lose one slice, never
 * count one twice.
 */

import { nodeHoursMeter } from '../../shared/domain/metering.ts';
import { isBilledState } from '../../shared/domain/node.ts';
import { isPlatformNode } from '../../shared/domain/platform.ts';
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

/** [from, until) without the unbilled gaps, as ISO instants in order. */
export function billedStretches(
  from: string,
  until: string,
  gaps: readonly { readonly from: string; readonly to: string }[],
): Array<[string, string]> {
  const stretches: Array<[string, string]> = [];
  let cursor = from;
  for (const gap of [...gaps].sort((a, b) => a.from.localeCompare(b.from))) {
    if (gap.to <= cursor || gap.from >= until) continue;
    if (gap.from > cursor) stretches.push([cursor, gap.from]);
    if (gap.to > cursor) cursor = gap.to;
    if (cursor >= until) return stretches;
  }
  if (cursor < until) stretches.push([cursor, until]);
  return stretches;
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
    // The platform's own nodes (genesis validators) are nobody's to pay for.
    if (node.hosting !== 'managed' || !mark || isPlatformNode(node)) continue;
    // Billed now: up to now. Left the billed states since the mark: up to the moment it left (later states, such
    // as stopped → deprovisioning, are not billed).
    const until = isBilledState(node.state) ? now : (node.leftBilledAt ?? node.stateChangedAt);
    if (until <= mark) continue;
    if (!(await deps.nodes.markMetered(node, mark, until))) continue;
    for (const [from, to] of billedStretches(mark, until, node.unbilledGaps ?? [])) {
      for (const slice of secondsPerHour(new Date(from), new Date(to))) {
        deps.usage.record(node.orgId, 'node_hours', slice.seconds, slice.hourStart);
        deps.usage.record(node.orgId, nodeHoursMeter(node.size), slice.seconds, slice.hourStart);
        seconds += slice.seconds;
      }
    }
    nodes++;
  }
  if (seconds) deps.logger.debug('node-hours accrued', { nodes, seconds });
  return { nodes, seconds };
}
