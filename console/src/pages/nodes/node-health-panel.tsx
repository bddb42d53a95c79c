/**
 * A node's health over time from the monitor: head block, latency and uptime, with the latest verdict and, when
 * the node is not healthy, the monitor's reason in words.
 */
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatCount, formatPercent } from '../../components/format.ts';
import { LineChart } from '../../components/line-chart.tsx';
import { NotAvailable } from '../../components/not-available.tsx';
import { SkeletonBlock } from '../../components/skeleton.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import {
  chronological,
  headBlockSeries,
  healthLabel,
  latencySeries,
  uptimePercent,
  uptimeSeries,
  useNodeHealth,
} from './node-health.ts';

export function NodeHealthPanel({ orgId, nodeId }: { readonly orgId: string; readonly nodeId: string }) {
  const resource = useNodeHealth(orgId, nodeId, 5000);
  const health = resource.data;
  const verdict = healthLabel(health);
  const samples = health ? chronological(health.samples) : [];
  const latest = samples.at(-1);
  return (
    <section className="card" aria-labelledby="health-heading">
      <div className="card-heading">
        <h2 id="health-heading">Health</h2>
        {health && <StatusBadge label={verdict.label} tone={verdict.tone} />}
      </div>
      {resource.loading && <SkeletonBlock height={260} label="Loading health" />}
      {resource.notAvailable && <NotAvailable what="Health monitoring" />}
      {resource.error && !resource.notAvailable && <ErrorMessage error={resource.error} />}
      {health && (
        <>
          {health.health !== 'healthy' && health.healthReason && <p className="muted">{health.healthReason}</p>}
          {!health.health && (
            <p className="muted">The monitor has not probed this node yet; it does so every few seconds.</p>
          )}
          <dl className="facts facts-inline">
            <div>
              <dt>Head block</dt>
              <dd data-testid="head-block">{formatCount(latest?.blockNumber ?? undefined)}</dd>
            </div>
            <div>
              <dt>Latency</dt>
              <dd>{latest?.latencyMs == null ? '—' : `${formatCount(Math.round(latest.latencyMs))} ms`}</dd>
            </div>
            <div>
              <dt>Uptime</dt>
              <dd>{formatPercent(uptimePercent(health))}</dd>
            </div>
          </dl>
          <div className="chart-grid">
            <LineChart
              title="Head block"
              points={headBlockSeries(samples)}
              formatValue={(v) => formatCount(Math.round(v))}
            />
            <LineChart
              title="Latency (ms)"
              points={latencySeries(samples)}
              formatValue={(v) => `${formatCount(Math.round(v))} ms`}
              floorAtZero
            />
            <LineChart
              title="Uptime"
              points={uptimeSeries(samples)}
              formatValue={(v) => formatPercent(Math.round(v * 10) / 10)}
              floorAtZero
            />
          </div>
        </>
      )}
    </section>
  );
}
