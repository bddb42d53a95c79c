/**
 * Onboarding, step 2: choose a plan and pay. A paid plan goes to the payment page (Stripe Checkout) and comes back
 * to billing; a free plan, or a server with billing off, activates at once and says so; a server without plans
 * yet says that and lets the user go on.
 */
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, api } from '../../api/api-client.ts';
import { type PlanSummary, readCheckout, readPlans } from '../../api/billing-answers.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatCount, formatPercent, formatSek } from '../../components/format.ts';
import { NotAvailable } from '../../components/not-available.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonBlock } from '../../components/skeleton.tsx';
import { useOrg } from '../../session/org-context.tsx';
import { rememberCheckoutOrg } from '../billing/checkout-return.tsx';
import { OnboardingSteps } from './onboarding-steps.tsx';

type Outcome =
  | { kind: 'redirecting' }
  | { kind: 'activated'; plan: PlanSummary }
  | { kind: 'billing-off'; why: string };

export function ChoosePlanPage() {
  const org = useOrg();
  const navigate = useNavigate();
  const plans = useResource<unknown>('/v1/plans');
  const catalogue = readPlans(plans.data);
  const list = catalogue.plans;
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined);
  const selected = list.find((p) => p.id === (chosen ?? list[0]?.id));
  const firstNode = `/orgs/${org.id}/nodes/new`;

  const checkout = useAction(async (plan: PlanSummary) => {
    try {
      const answer = readCheckout(
        await api<unknown>('POST', `/v1/orgs/${org.id}/billing/checkout`, { body: { planId: plan.id } }),
      );
      if (answer.url && !answer.activated) {
        setOutcome({ kind: 'redirecting' });
        rememberCheckoutOrg(org.id);
        window.location.assign(answer.url);
        return;
      }
      setOutcome({ kind: 'activated', plan });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        setOutcome({
          kind: 'billing-off',
          why: error.routeMissing ? 'Payment is not available on this server yet.' : error.message,
        });
        return;
      }
      throw error;
    }
  });

  return (
    <>
      <PageHeader title="Choose a plan" description={`Plans for ${org.name}. Prices are per month, excluding VAT.`} />
      <OnboardingSteps current={1} />
      {plans.loading && <SkeletonBlock height={220} label="Loading plans" />}
      {plans.notAvailable && (
        <NotAvailable what="Choosing a plan">
          <p>You can go on and use CareChain now; your plan can be chosen later under Billing.</p>
          <Link className="button button-primary" to={firstNode}>
            Continue to your first node
          </Link>
        </NotAvailable>
      )}
      {plans.error && !plans.notAvailable && <ErrorMessage error={plans.error} />}
      {catalogue.billingEnabled === false && !outcome && (
        <div className="notice notice-info" role="status">
          <p>Billing is off on this server: the plan you choose is active at once and nothing is charged.</p>
        </div>
      )}
      {list.length > 0 && !outcome && (
        <form
          className="form"
          onSubmit={(event) => {
            event.preventDefault();
            if (selected) void checkout.run(selected);
          }}
        >
          <fieldset className="plan-grid">
            <legend className="visually-hidden">Plan</legend>
            {list.map((plan) => (
              <label key={plan.id} className={`plan-card${plan.id === selected?.id ? ' plan-card-selected' : ''}`}>
                <input
                  type="radio"
                  name="plan"
                  value={plan.id}
                  checked={plan.id === selected?.id}
                  onChange={() => setChosen(plan.id)}
                />
                <span className="plan-name">{plan.name}</span>
                <span className="plan-price">
                  {plan.monthlyFromSek ? `from ${formatSek(plan.monthlyFromSek)} per node and month` : 'Free'}
                </span>
                {plan.description && <span className="plan-description">{plan.description}</span>}
                <span className="plan-facts">
                  {plan.includedComputeUnits !== undefined &&
                    `${formatCount(plan.includedComputeUnits)} compute units included`}
                  {plan.slaTargetPercent !== undefined && ` · ${formatPercent(plan.slaTargetPercent)} SLA`}
                </span>
              </label>
            ))}
          </fieldset>
          <ErrorMessage error={checkout.error} />
          <div className="button-row">
            <button type="submit" className="button button-primary" disabled={checkout.pending || !selected}>
              {checkout.pending ? 'Working…' : `Continue with ${selected?.name ?? 'this plan'}`}
            </button>
            <Link to={firstNode} className="button button-quiet">
              Decide later
            </Link>
          </div>
        </form>
      )}
      {outcome?.kind === 'redirecting' && (
        <div className="notice notice-info" role="status">
          <p>Taking you to the payment page…</p>
        </div>
      )}
      {outcome?.kind === 'activated' && (
        <div className="notice notice-ok" role="status">
          <p>
            <strong>{outcome.plan.name}</strong> is active.{' '}
            {outcome.plan.monthlyFromSek
              ? 'Billing is off on this server, so nothing is charged.'
              : 'This plan is free; nothing is charged.'}
          </p>
          <button type="button" className="button button-primary" onClick={() => navigate(firstNode)}>
            Continue to your first node
          </button>
        </div>
      )}
      {outcome?.kind === 'billing-off' && (
        <div className="notice notice-info" role="status">
          <p>{outcome.why} You can use CareChain now; nothing is charged.</p>
          <button type="button" className="button button-primary" onClick={() => navigate(firstNode)}>
            Continue to your first node
          </button>
        </div>
      )}
    </>
  );
}
