/**
 * Billing: the organisation's plan and its state, the billing portal (payment methods, cancellations), invoices,
 * and monthly SLA reports with service credits, downloadable as JSON and CSV.
 */
import { Link, useLocation } from 'react-router';
import { api } from '../../api/api-client.ts';
import { readBillingSummary, readInvoices, readRedirectUrl } from '../../api/billing-answers.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatDate, formatSek } from '../../components/format.ts';
import { NotAvailable } from '../../components/not-available.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonBlock, SkeletonRows } from '../../components/skeleton.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { canAct, useOrg } from '../../session/org-context.tsx';
import { DataProtectionReportPanel } from './data-protection-report-panel.tsx';
import { SlaReportsPanel } from './sla-reports-panel.tsx';

const BILLING_STATE_LABELS: Record<string, { label: string; tone: 'ok' | 'warn' | 'bad' | 'idle' | 'busy' }> = {
  none: { label: 'No plan yet', tone: 'idle' },
  pending_payment: { label: 'Waiting for payment', tone: 'busy' },
  active: { label: 'Active', tone: 'ok' },
  past_due: { label: 'Payment overdue', tone: 'warn' },
  suspended: { label: 'Suspended', tone: 'bad' },
  canceled: { label: 'Cancelled', tone: 'idle' },
};

function PlanPanel({ orgId }: { readonly orgId: string }) {
  const org = useOrg();
  const billing = useResource<unknown>(`/v1/orgs/${orgId}/billing`);
  const summary = readBillingSummary(billing.data);
  const portal = useAction(async () => {
    const url = readRedirectUrl(await api<unknown>('POST', `/v1/orgs/${orgId}/billing/portal`, { body: {} }));
    if (url) window.location.assign(url);
  });
  const state = summary?.state ? BILLING_STATE_LABELS[summary.state] : undefined;
  return (
    <section className="card" aria-labelledby="plan-heading">
      <div className="card-heading">
        <h2 id="plan-heading">Plan</h2>
        {state && <StatusBadge label={state.label} tone={state.tone} />}
      </div>
      {billing.loading && <SkeletonBlock height={48} label="Loading your plan" />}
      {summary && (
        <p>
          {summary.planName ?? summary.planId ?? 'No plan chosen yet.'}
          {summary.billingEnabled === false && <span className="muted"> · billing is off on this server</span>}
        </p>
      )}
      {billing.notAvailable && <p className="muted">The current plan is not shown by this server yet.</p>}
      {billing.error && !billing.notAvailable && billing.error.status !== 404 && <ErrorMessage error={billing.error} />}
      {canAct(org, 'admin') && (
        <div className="button-row">
          <Link className="button" to={`/orgs/${orgId}/onboarding/plan`}>
            Choose or change plan
          </Link>
          {summary?.billingEnabled !== false && (
            <button type="button" className="button" disabled={portal.pending} onClick={() => void portal.run()}>
              {portal.pending ? 'Opening…' : 'Open billing portal'}
            </button>
          )}
        </div>
      )}
      {portal.error?.routeMissing ? <NotAvailable what="The billing portal" /> : <ErrorMessage error={portal.error} />}
    </section>
  );
}

function InvoicesPanel({ orgId }: { readonly orgId: string }) {
  const invoices = useResource<unknown>(`/v1/orgs/${orgId}/invoices`);
  const list = readInvoices(invoices.data);
  return (
    <section className="card" aria-labelledby="invoices-heading">
      <h2 id="invoices-heading">Invoices</h2>
      {invoices.loading && <SkeletonRows rows={2} label="Loading invoices" />}
      {invoices.notAvailable && <NotAvailable what="Invoices" />}
      {invoices.error && !invoices.notAvailable && <ErrorMessage error={invoices.error} />}
      {invoices.data !== undefined && list.length === 0 && <p className="muted">No invoices yet.</p>}
      {list.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Invoice</th>
                <th scope="col">Period</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((invoice) => (
                <tr key={invoice.id}>
                  {/* Estimates' ids are long: they break rather than widen the table past a phone's width. */}
                  <td className="break">
                    {invoice.url ? (
                      <a href={invoice.url} target="_blank" rel="noreferrer">
                        {invoice.number ?? invoice.id}
                      </a>
                    ) : (
                      (invoice.number ?? invoice.id)
                    )}
                  </td>
                  <td>
                    {formatDate(invoice.periodStart)} – {formatDate(invoice.periodEnd)}
                  </td>
                  <td>{invoice.status === 'estimate' ? 'Estimate (billing off)' : invoice.status}</td>
                  <td className="num">{formatSek(invoice.total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function BillingPage() {
  const org = useOrg();
  const location = useLocation();
  const checkout = new URLSearchParams(location.search).get('checkout');
  return (
    <>
      <PageHeader title="Billing" description="Your plan, invoices and the monthly SLA reports. Prices in SEK." />
      {checkout === 'success' && (
        <div className="notice notice-ok" role="status">
          <p>Thank you. The plan becomes active as soon as the payment is confirmed, usually within a minute.</p>
        </div>
      )}
      {(checkout === 'canceled' || checkout === 'cancel') && (
        <div className="notice notice-info" role="status">
          <p>The payment was cancelled; nothing was charged.</p>
        </div>
      )}
      <div className="stack">
        <PlanPanel orgId={org.id} />
        <InvoicesPanel orgId={org.id} />
        <SlaReportsPanel orgId={org.id} />
        <DataProtectionReportPanel orgId={org.id} />
      </div>
    </>
  );
}
