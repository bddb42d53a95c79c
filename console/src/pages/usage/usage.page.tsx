/**
 * What the organisation used, per meter and day: this month so far and last month. The figures are what is
 * billed (what the gateway and the API served), exactly.
 */
import { useMemo, useState } from 'react';
import { apiPath } from '../../api/api-client.ts';
import type { Usage } from '../../api/api-types.ts';
import { METER_LABELS } from '../../api/labels.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatCount } from '../../components/format.ts';
import { LineChart } from '../../components/line-chart.tsx';
import { NotAvailable } from '../../components/not-available.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonBlock } from '../../components/skeleton.tsx';
import { useOrg } from '../../session/org-context.tsx';

type Period = 'current' | 'previous';

function periodRange(period: Period, now = new Date()): { from: string; to: string; label: string } {
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  if (period === 'previous') {
    const previousStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    return {
      from: previousStart.toISOString(),
      to: monthStart.toISOString(),
      label: previousStart.toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }),
    };
  }
  // Up to the end of the current hour, so the hour under way is included.
  const to = new Date(Math.ceil(now.getTime() / 3_600_000) * 3_600_000);
  return {
    from: monthStart.toISOString(),
    to: to.toISOString(),
    label: monthStart.toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }),
  };
}

export function UsagePage() {
  const org = useOrg();
  const [period, setPeriod] = useState<Period>('current');
  const range = useMemo(() => periodRange(period), [period]);
  const usage = useResource<Usage>(
    apiPath(`/v1/orgs/${org.id}/usage`, { from: range.from, to: range.to, granularity: 'day' }),
  );
  const series = usage.data;
  return (
    <>
      <PageHeader
        title="Usage"
        description="Metered usage per day (UTC). Node hours count the time managed nodes were provisioned."
        actions={
          <fieldset className="segmented">
            <legend className="visually-hidden">Period</legend>
            {(['current', 'previous'] as const).map((value) => (
              <button
                key={value}
                type="button"
                className="button button-small"
                aria-pressed={period === value}
                onClick={() => setPeriod(value)}
              >
                {value === 'current' ? 'This month' : 'Last month'}
              </button>
            ))}
          </fieldset>
        }
      />
      <h2 className="period-label">{range.label}</h2>
      {usage.notAvailable && <NotAvailable what="Usage reporting" />}
      {usage.error && !usage.notAvailable && <ErrorMessage error={usage.error} />}
      {usage.loading && <SkeletonBlock height={420} label="Loading usage" />}
      {series && (
        <div className="chart-grid chart-grid-wide">
          {(Object.keys(METER_LABELS) as Array<keyof typeof METER_LABELS>).map((meter) => {
            const meterSeries = series.meters[meter];
            const { label, unit, units, divisor } = METER_LABELS[meter];
            if (!meterSeries) return null;
            return (
              <div className="card" key={meter}>
                <p className="meter-total">
                  <span className="meter-label">{label}</span>
                  <span className="meter-value">
                    {formatCount(Math.round((meterSeries.total / divisor) * 100) / 100)}{' '}
                    <span className="muted">{meterSeries.total === divisor ? unit : units}</span>
                  </span>
                </p>
                <LineChart
                  title={`${label} per day`}
                  kind="bars"
                  byDay
                  points={meterSeries.points.map((p) => ({ x: Date.parse(p.start), y: p.value / divisor }))}
                  formatValue={(v) => formatCount(Math.round(v * 100) / 100)}
                />
              </div>
            );
          })}
        </div>
      )}
    </>
  );
}
