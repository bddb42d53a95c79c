/**
 * Reads a node's health from the monitor (GET …/nodes/{id}/health) and turns its samples into the series the
 * charts draw: head block, latency, and uptime per time slice.
 */

import { type HealthSample, type NodeHealth, readNodeHealth } from '../../api/upcoming-apis.ts';
import { type Resource, useResource } from '../../api/use-resource.ts';
import type { ChartPoint } from '../../components/line-chart.tsx';

export function useNodeHealth(orgId: string, nodeId: string, pollMs: number | undefined) {
  const resource: Resource<unknown> = useResource<unknown>(`/v1/orgs/${orgId}/nodes/${nodeId}/health`, {
    poll: () => pollMs,
  });
  const health: NodeHealth | undefined = readNodeHealth(resource.data);
  return { resource, health };
}

export function headBlockSeries(samples: readonly HealthSample[]): ChartPoint[] {
  return samples.flatMap((s) => (s.headBlock === undefined ? [] : [{ x: s.at, y: s.headBlock }]));
}

export function latencySeries(samples: readonly HealthSample[]): ChartPoint[] {
  return samples.flatMap((s) => (s.latencyMs === undefined ? [] : [{ x: s.at, y: s.latencyMs }]));
}

/** Share of good probes in each of `slices` equal time slices: uptime over time, not just one figure. */
export function uptimeSeries(samples: readonly HealthSample[], slices = 12): ChartPoint[] {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last) return [];
  const span = Math.max(1, last.at - first.at);
  const buckets = Array.from({ length: slices }, () => ({ good: 0, all: 0 }));
  for (const sample of samples) {
    const index = Math.min(slices - 1, Math.floor(((sample.at - first.at) / span) * slices));
    const bucket = buckets[index];
    if (!bucket) continue;
    bucket.all += 1;
    if (sample.ok !== false) bucket.good += 1;
  }
  return buckets.flatMap((bucket, index) =>
    bucket.all === 0 ? [] : [{ x: first.at + ((index + 1) * span) / slices, y: (bucket.good / bucket.all) * 100 }],
  );
}

/** One word for a node's health, for lists. */
const HEALTH_TONES: Record<string, 'ok' | 'warn' | 'bad'> = {
  healthy: 'ok',
  degraded: 'warn',
  unhealthy: 'bad',
};

export function healthLabel(health: NodeHealth | undefined): { label: string; tone: 'ok' | 'warn' | 'bad' | 'idle' } {
  if (!health || (health.status === undefined && health.samples.length === 0))
    return { label: 'No data yet', tone: 'idle' };
  const known = health.status ? HEALTH_TONES[health.status.toLowerCase()] : undefined;
  if (health.status && known) return { label: capitalise(health.status), tone: known };
  if (health.healthy === true) return { label: health.status ? capitalise(health.status) : 'Healthy', tone: 'ok' };
  if (health.healthy === false) return { label: health.status ? capitalise(health.status) : 'Unhealthy', tone: 'bad' };
  return { label: health.status ? capitalise(health.status) : 'Unknown', tone: 'warn' };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1).replaceAll('_', ' ');
}
