/**
 * Turns the outcome of every call in a request into usage: each successful call (answered by the node or by the
 * cache, notifications included) is one `rpc_requests` and its weight in `rpc_compute_units`; errors count for
 * nothing. A batch is metered call by call, then added to the meter once per request.
 */
import { type CallOutcome, computeUnits } from '../../shared/domain/metering.ts';
import type { UsageRecorder } from '../../shared/metering/usage-meter.ts';

export interface MeteredCall {
  /** Undefined for an entry that was not a valid request. */
  readonly method: string | undefined;
  readonly outcome: CallOutcome;
}

export interface RequestUsage {
  readonly requests: number;
  readonly computeUnits: number;
}

export function usageOf(calls: readonly MeteredCall[]): RequestUsage {
  let requests = 0;
  let units = 0;
  for (const call of calls) {
    if (call.outcome === 'error' || call.method === undefined) continue;
    requests++;
    units += computeUnits(call.method, call.outcome);
  }
  return { requests, computeUnits: units };
}

export function recordUsage(meter: UsageRecorder, orgId: string, usage: RequestUsage, servedAt: Date): void {
  if (usage.requests === 0) return;
  meter.record(orgId, 'rpc_requests', usage.requests, servedAt);
  meter.record(orgId, 'rpc_compute_units', usage.computeUnits, servedAt);
}
