/**
 * The monthly data-protection report beside the SLA reports: what the personal-data guard refused or flagged, by
 * detector, outcome and channel (never a value found), the policy of each network, the organisation's own
 * patterns and its exemptions. Downloads: the JSON exactly as signed by the platform key, and the server's CSV.
 */
import { useState } from 'react';
import { apiPath } from '../../api/api-client.ts';
import type { SignedDataProtectionReport } from '../../api/api-types.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatCount, formatDate } from '../../components/format.ts';
import { NotAvailable } from '../../components/not-available.tsx';
import { isMonth, ReportStatus, SignedReportControls, thisMonth } from '../../components/signed-report-controls.tsx';
import { SkeletonRows } from '../../components/skeleton.tsx';

const MODE_LABELS = { block: 'Block', flag: 'Flag (let through, recorded)', off: 'Off' } as const;

export function DataProtectionReportPanel({ orgId }: { readonly orgId: string }) {
  const [month, setMonth] = useState(thisMonth);
  const path = apiPath(`/v1/orgs/${orgId}/data-protection-report`, { month });
  const signed = useResource<SignedDataProtectionReport>(isMonth(month) ? path : undefined);
  const report = signed.data?.report;
  return (
    <section className="card" aria-labelledby="data-protection-heading">
      <h2 id="data-protection-heading">Data-protection report</h2>
      <p className="muted small">
        Personal data (personnummer, e-mail addresses, phone numbers, FHIR patients, your own patterns) is kept off the
        chain: transactions and signatures carrying it are refused or flagged under each network’s policy.
      </p>
      {!signed.notAvailable && (
        <SignedReportControls
          filePrefix="carechain-data-protection"
          path={path}
          month={month}
          onMonth={setMonth}
          signed={signed.data}
        />
      )}
      {signed.loading && <SkeletonRows rows={2} label="Loading the data-protection report" />}
      {signed.notAvailable && <NotAvailable what="Data-protection reporting" />}
      {signed.error && <ErrorMessage error={signed.error} />}
      {report && signed.data && (
        <>
          <ReportStatus final={report.final} signer={signed.data.signer} />
          <dl className="facts facts-inline">
            <div>
              <dt>Refused</dt>
              <dd>{formatCount(report.totals.blockedRequests)}</dd>
            </div>
            <div>
              <dt>Flagged</dt>
              <dd>{formatCount(report.totals.flaggedRequests)}</dd>
            </div>
            <div>
              <dt>Findings</dt>
              <dd>{formatCount(report.totals.findings)}</dd>
            </div>
          </dl>
          {report.counts.length > 0 && (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Detector</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Where</th>
                    <th scope="col" className="num">
                      Requests
                    </th>
                    <th scope="col" className="num col-optional">
                      Distinct values
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {report.counts.map((row) => (
                    <tr key={`${row.detector}-${row.outcome}-${row.channel}`}>
                      <td>{row.detector}</td>
                      <td>{row.outcome}</td>
                      <td>{row.channel}</td>
                      <td className="num">{formatCount(row.requests)}</td>
                      <td className="num col-optional">{formatCount(row.distinctValues)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {report.policies.length > 0 && (
            <>
              <h3>Policies in force</h3>
              <ul className="plain-list">
                {report.policies.map((policy) => (
                  <li key={policy.networkId}>
                    {policy.networkName}: {MODE_LABELS[policy.mode]}
                    {policy.isDefault && <span className="muted small"> (default)</span>}
                  </li>
                ))}
              </ul>
            </>
          )}
          {report.exemptions.length > 0 && (
            <>
              <h3>Exemptions</h3>
              <ul className="plain-list">
                {report.exemptions.map((exemption) => (
                  <li key={exemption.id}>
                    <span className="mono break">{exemption.contract}</span>: {exemption.detector}, {exemption.state}{' '}
                    <span className="muted small">
                      ({formatDate(exemption.decidedAt ?? exemption.requestedAt)}) {exemption.reason}
                    </span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}
