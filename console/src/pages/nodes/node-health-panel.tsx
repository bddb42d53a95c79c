/**
 * A node's health over time from the monitor: head block, latency and uptime, with the latest verdict.
 */

import { ErrorMessage } from '../../components/error-message.tsx';
import { formatCount, formatPercent } from '../../components/format.ts';
import { LineChart } from '../../components/line-chart.tsx';
import { NotAvailable } from '../../components/not-available.tsx';
import { SkeletonBlock } from '../../components/skeleton.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { headBlockSeries, healthLabel, latencySeries, uptimeSeries, useNodeHealth } from './node-health.ts';

export function NodeHealthPanel({ orgId, nodeId }: { readonly orgId: string; readonly nodeId: string }) {
  const { resource, health } = useNodeHealth(orgId, nodeId, 5000);
  const verdict = healthLabel(health);
  return (
    <section className="card" aria-labelledby="health-heading">
      <div className="card-heading">
        <h2 id="health-heading">Health</h2>
        {health && <StatusBadge label={verdict.label} tone={verdict.tone} />}
      </div>
      {resource.loading && <SkeletonBlock height={220} label="Loading health" />}
      {resource.notAvailable && <NotAvailable what="Health monitoring" />}
      {resource.error && !resource.notAvailable && <ErrorMessage error={resource.error} />}
      {health && (
        <>
          <dl className="facts facts-inline">
            <div>
              <dt>Head block</dt>
              <dd data-testid="head-block">{formatCount(health.headBlock)}</dd>
            </div>
            <div>
              <dt>Latency</dt>
              <dd>{health.latencyMs === undefined ? '—' : `${formatCount(health.latencyMs)} ms`}</dd>
            </div>
            <div>
              <dt>Uptime</dt>
              <dd>{formatPercent(health.uptimePercent)}</dd>
            </div>
          </dl>
          <div className="chart-grid">
            <LineChart
              title="Head block"
              points={headBlockSeries(health.samples)}
              formatValue={(v) => formatCount(Math.round(v))}
            />
            <LineChart
              title="Latency (ms)"
              points={latencySeries(health.samples)}
              formatValue={(v) => `${formatCount(Math.round(v))} ms`}
              floorAtZero
            />
            <LineChart
              title="Uptime"
              points={uptimeSeries(health.samples)}
              formatValue={(v) => formatPercent(Math.round(v * 10) / 10)}
              floorAtZero
            />
          </div>
        </>
      )}
    </section>
  );
}
