/**
 * A node's health from the monitor (GET …/nodes/{id}/health) and the series its charts draw: head block, latency,
 * and uptime per time slice. Samples come newest first; the charts want them oldest first.
 */
import type { HealthSample, HealthVerdict, NodeHealth } from '../../api/api-types.ts';
import type { Tone } from '../../api/labels.ts';
import { useResource } from '../../api/use-resource.ts';
import type { ChartPoint } from '../../components/line-chart.tsx';

export function useNodeHealth(orgId: string, nodeId: string, pollMs: number | undefined) {
  return useResource<NodeHealth>(`/v1/orgs/${orgId}/nodes/${nodeId}/health`, { poll: () => pollMs });
}

export function chronological(samples: readonly HealthSample[]): HealthSample[] {
  return [...samples].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

export function headBlockSeries(samples: readonly HealthSample[]): ChartPoint[] {
  return samples.flatMap((s) => (s.blockNumber === null ? [] : [{ x: Date.parse(s.at), y: s.blockNumber }]));
}

export function latencySeries(samples: readonly HealthSample[]): ChartPoint[] {
  return samples.flatMap((s) => (s.latencyMs === null ? [] : [{ x: Date.parse(s.at), y: s.latencyMs }]));
}

/** Share of probes the node answered in each of `slices` equal time slices: uptime over time, not one figure. */
export function uptimeSeries(samples: readonly HealthSample[], slices = 12): ChartPoint[] {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last) return [];
  const start = Date.parse(first.at);
  const span = Math.max(1, Date.parse(last.at) - start);
  const buckets = Array.from({ length: slices }, () => ({ up: 0, all: 0 }));
  for (const sample of samples) {
    const bucket = buckets[Math.min(slices - 1, Math.floor(((Date.parse(sample.at) - start) / span) * slices))];
    if (!bucket) continue;
    bucket.all += 1;
    if (sample.rpcOk) bucket.up += 1;
  }
  return buckets.flatMap((bucket, index) =>
    bucket.all === 0 ? [] : [{ x: start + ((index + 1) * span) / slices, y: (bucket.up / bucket.all) * 100 }],
  );
}

/** JSON-RPC availability over the days the answer covers, weighted by each day's probes. */
export function uptimePercent(health: NodeHealth): number | undefined {
  const days = health.uptime.filter((day) => day.samples > 0);
  const probes = days.reduce((sum, day) => sum + day.samples, 0);
  if (probes > 0) return days.reduce((sum, day) => sum + day.rpcAvailabilityPercent * day.samples, 0) / probes;
  if (health.samples.length === 0) return undefined;
  return (health.samples.filter((s) => s.rpcOk).length / health.samples.length) * 100;
}

const VERDICTS: Record<HealthVerdict, { readonly label: string; readonly tone: Tone }> = {
  healthy: { label: 'Healthy', tone: 'ok' },
  degraded: { label: 'Degraded', tone: 'warn' },
  unhealthy: { label: 'Unhealthy', tone: 'bad' },
};

/** The monitor's verdict in one word, for lists and headings. */
export function healthLabel(health: NodeHealth | undefined): { readonly label: string; readonly tone: Tone } {
  return health?.health ? VERDICTS[health.health] : { label: 'No data yet', tone: 'idle' };
}
