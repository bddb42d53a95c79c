/**
 * Monthly SLA reports: availability per node (JSON-RPC, and block production reported apart), downtime and
 * service credits. Downloads: the JSON exactly as signed by the platform key, and the server's CSV.
 */
import { useState } from 'react';
import { apiPath } from '../../api/api-client.ts';
import type { SignedSlaReport } from '../../api/api-types.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatCount, formatPercent, formatSek } from '../../components/format.ts';
import { NotAvailable } from '../../components/not-available.tsx';
import { isMonth, ReportStatus, SignedReportControls, thisMonth } from '../../components/signed-report-controls.tsx';
import { SkeletonRows } from '../../components/skeleton.tsx';

export function SlaReportsPanel({ orgId }: { readonly orgId: string }) {
  const [month, setMonth] = useState(thisMonth);
  const path = apiPath(`/v1/orgs/${orgId}/sla-reports`, { month });
  const signed = useResource<SignedSlaReport>(isMonth(month) ? path : undefined);
  const report = signed.data?.report;
  return (
    <section className="card" aria-labelledby="sla-heading">
      <h2 id="sla-heading">SLA reports</h2>
      {!signed.notAvailable && (
        <SignedReportControls
          filePrefix="carechain-sla"
          path={path}
          month={month}
          onMonth={setMonth}
          signed={signed.data}
        />
      )}
      {signed.loading && <SkeletonRows rows={2} label="Loading the SLA report" />}
      {signed.notAvailable && <NotAvailable what="SLA reporting" />}
      {signed.error?.status === 404 && !signed.notAvailable && <p className="muted">{signed.error.message}</p>}
      {signed.error && signed.error.status !== 404 && <ErrorMessage error={signed.error} />}
      {report && signed.data && (
        <>
          <ReportStatus final={report.final} signer={signed.data.signer} />
          <dl className="facts facts-inline">
            <div>
              <dt>Nodes covered</dt>
              <dd>
                {formatCount(report.totals.coveredNodes)} of {formatCount(report.totals.nodes)}
              </dd>
            </div>
            <div>
              <dt>Below target</dt>
              <dd>{formatCount(report.totals.nodesBelowTarget)}</dd>
            </div>
            <div>
              <dt>Service credit</dt>
              <dd>{report.totals.creditOre === null ? '—' : formatSek(report.totals.creditOre / 100)}</dd>
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
                    <th scope="col" className="num col-optional">
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
                        {node.name}
                        {!node.covered && <div className="cell-note">Not covered by an SLA</div>}
                      </td>
                      <td className="num">{formatPercent(node.rpc.availabilityPercent)}</td>
                      <td className="num col-optional">{formatPercent(node.blockProduction.availabilityPercent)}</td>
                      <td className="num col-optional">{formatCount(Math.round(node.rpc.downtimeMs / 60_000))}</td>
                      <td className="num">{formatPercent(node.creditPercent)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {report.notes.length > 0 && (
            <ul className="muted small">
              {report.notes.map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
