/**
 * Monthly SLA reports: availability per node, downtime and service credits, downloadable as JSON (as signed by
 * the platform key) and CSV.
 */
import { useState } from 'react';
import { apiFile, apiPath } from '../../api/api-client.ts';
import { readSlaReport, slaReportCsv } from '../../api/upcoming-apis.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { downloadFile } from '../../components/download.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { formatCount, formatPercent, formatSek } from '../../components/format.ts';
import { NotAvailable } from '../../components/not-available.tsx';
import { SkeletonRows } from '../../components/skeleton.tsx';

function previousMonth(now = new Date()): string {
  const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return date.toISOString().slice(0, 7);
}

export function SlaReportsPanel({ orgId }: { readonly orgId: string }) {
  const [month, setMonth] = useState(previousMonth);
  const path = apiPath(`/v1/orgs/${orgId}/sla-reports`, { month });
  const reports = useResource<unknown>(/^\d{4}-\d{2}$/.test(month) ? path : undefined);
  const report = readSlaReport(reports.data);
  const csv = useAction(async () => {
    // The server's own CSV when it offers one; otherwise the same rows made from the JSON report.
    const file = await apiFile(path, { headers: { accept: 'text/csv' } });
    const body = file.contentType.includes('csv') ? file.body : report ? slaReportCsv(report) : '';
    downloadFile(`carechain-sla-${month}.csv`, body, 'text/csv');
  });
  return (
    <section className="card" aria-labelledby="sla-heading">
      <h2 id="sla-heading">SLA reports</h2>
      <div className="form-row form-row-end">
        <FormField label="Month">
          <input
            type="month"
            value={month}
            onChange={(e) => setMonth(e.target.value)}
            max={new Date().toISOString().slice(0, 7)}
          />
        </FormField>
        {report && (
          <div className="button-row">
            <button
              type="button"
              className="button"
              onClick={() =>
                downloadFile(`carechain-sla-${month}.json`, JSON.stringify(reports.data, null, 2), 'application/json')
              }
            >
              Download JSON
            </button>
            <button type="button" className="button" disabled={csv.pending} onClick={() => void csv.run()}>
              Download CSV
            </button>
          </div>
        )}
      </div>
      <ErrorMessage error={csv.error} />
      {reports.loading && <SkeletonRows rows={2} label="Loading the SLA report" />}
      {reports.notAvailable && <NotAvailable what="SLA reporting" />}
      {reports.error?.status === 404 && !reports.notAvailable && <p className="muted">{reports.error.message}</p>}
      {reports.error && reports.error.status !== 404 && <ErrorMessage error={reports.error} />}
      {reports.data !== undefined && !report && <p className="muted">No report for this month.</p>}
      {report && (
        <>
          {report.final === false && (
            <p className="muted small">The month is not over: this report runs to date and is final next month.</p>
          )}
          <dl className="facts facts-inline">
            <div>
              <dt>Nodes below target</dt>
              <dd>{formatCount(report.nodesBelowTarget)}</dd>
            </div>
            <div>
              <dt>Service credit</dt>
              <dd>{formatSek(report.creditSek)}</dd>
            </div>
            <div>
              <dt>Signed by</dt>
              <dd className="mono break small">{report.signature && report.signer ? report.signer : '—'}</dd>
            </div>
          </dl>
          {report.nodes.length > 0 && (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Node</th>
                    <th scope="col" className="num">
                      RPC availability
                    </th>
                    <th scope="col" className="num col-optional">
                      Block production
                    </th>
                    <th scope="col" className="num">
                      Downtime (min)
                    </th>
                    <th scope="col" className="num">
                      Credit
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {report.nodes.map((node) => (
                    <tr key={node.nodeId}>
                      <td>
                        {node.name ?? node.nodeId}
                        {node.covered === false && <div className="cell-note">Not covered by an SLA</div>}
                      </td>
                      <td className="num">{formatPercent(node.availabilityPercent)}</td>
                      <td className="num col-optional">{formatPercent(node.blockProductionPercent)}</td>
                      <td className="num">
                        {formatCount(node.downtimeMinutes === undefined ? undefined : Math.round(node.downtimeMinutes))}
                      </td>
                      <td className="num">{formatPercent(node.creditPercent)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
