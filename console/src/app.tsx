/**
 * The console's routes. Public pages (log in, sign up, accept an invitation) stand alone; everything else sits in
 * the application shell and needs a session. Organisation pages live under /orgs/:orgId, operators' under /ops.
 * The billing pages read their answers with the server's zod schemas, so they load on first use: zod stays out
 * of the bundle every other page needs.
 */
import { lazy, type ReactNode, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { AppShell } from './components/app-shell.tsx';
import { SkeletonBlock } from './components/skeleton.tsx';
import { ApiKeysPage } from './pages/api-keys/api-keys.page.tsx';
import { AuditPage } from './pages/audit/audit.page.tsx';
import { AcceptInvitationPage } from './pages/auth/accept-invitation.page.tsx';
import { LoginPage } from './pages/auth/login.page.tsx';
import { SignupPage } from './pages/auth/signup.page.tsx';
import { CheckoutReturn } from './pages/billing/checkout-return.tsx';
import { ConsentsPage } from './pages/consents/consents.page.tsx';
import { ConsortiumPage } from './pages/consortium/consortium.page.tsx';
import { OpsConsortiumScope, OrgConsortiumIndex, OrgConsortiumScope } from './pages/consortium/consortium-routes.tsx';
import { ProposalPage } from './pages/consortium/proposal.page.tsx';
import { TransactionPage } from './pages/consortium/transaction.page.tsx';
import { HomeRedirect } from './pages/home-redirect.tsx';
import { SigningKeysPage } from './pages/keys/signing-keys.page.tsx';
import { MembersPage } from './pages/members/members.page.tsx';
import { CreateManagedNodePage } from './pages/nodes/create-managed-node.page.tsx';
import { NodeDetailPage } from './pages/nodes/node-detail.page.tsx';
import { NodesPage } from './pages/nodes/nodes.page.tsx';
import { RegisterSelfHostedNodePage } from './pages/nodes/register-self-hosted-node.page.tsx';
import { NotFoundPage } from './pages/not-found.page.tsx';
import { CreateOrganisationPage } from './pages/onboarding/create-organisation.page.tsx';
import { CreateNetworkPage } from './pages/ops/create-network.page.tsx';
import { FleetPage } from './pages/ops/fleet.page.tsx';
import { NetworkDetailPage } from './pages/ops/network-detail.page.tsx';
import { NetworksPage } from './pages/ops/networks.page.tsx';
import { OpsOrganisationsPage } from './pages/ops/ops-organisations.page.tsx';
import { OrgScope } from './pages/org-scope.tsx';
import { UsagePage } from './pages/usage/usage.page.tsx';
import { WebhookPage } from './pages/webhooks/webhook.page.tsx';
import { WebhooksPage } from './pages/webhooks/webhooks.page.tsx';
import { RequireOperator, RequireUser } from './session/require-user.tsx';
import { SessionProvider } from './session/session-context.tsx';

const BillingPage = lazy(async () => ({ default: (await import('./pages/billing/billing.page.tsx')).BillingPage }));
/** The patient page carries ethers and siwe for signing in the browser: loaded only when a patient opens it. */
const PatientPage = lazy(async () => ({ default: (await import('./pages/patient/patient.page.tsx')).PatientPage }));
const ChoosePlanPage = lazy(async () => ({
  default: (await import('./pages/onboarding/choose-plan.page.tsx')).ChoosePlanPage,
}));

function Loading({ children }: { readonly children: ReactNode }) {
  return <Suspense fallback={<SkeletonBlock height={220} label="Loading" />}>{children}</Suspense>;
}

export function App() {
  return (
    <SessionProvider>
      <BrowserRouter>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/signup" element={<SignupPage />} />
          <Route
            path="/patient"
            element={
              <Loading>
                <PatientPage />
              </Loading>
            }
          />
          <Route path="/invitations/:token" element={<AcceptInvitationPage />} />
          <Route
            element={
              <RequireUser>
                <AppShell />
              </RequireUser>
            }
          >
            <Route index element={<HomeRedirect />} />
            <Route path="onboarding" element={<CreateOrganisationPage />} />
            <Route path="billing" element={<CheckoutReturn />} />
            <Route path="orgs/:orgId" element={<OrgScope />}>
              <Route index element={<Navigate to="nodes" replace />} />
              <Route
                path="onboarding/plan"
                element={
                  <Loading>
                    <ChoosePlanPage />
                  </Loading>
                }
              />
              <Route path="nodes" element={<NodesPage />} />
              <Route path="nodes/new" element={<CreateManagedNodePage />} />
              <Route path="nodes/self-hosted" element={<RegisterSelfHostedNodePage />} />
              <Route path="nodes/:nodeId" element={<NodeDetailPage />} />
              <Route path="keys" element={<SigningKeysPage />} />
              <Route path="api-keys" element={<ApiKeysPage />} />
              <Route path="webhooks" element={<WebhooksPage />} />
              <Route path="webhooks/:webhookId" element={<WebhookPage />} />
              <Route path="usage" element={<UsagePage />} />
              <Route
                path="billing"
                element={
                  <Loading>
                    <BillingPage />
                  </Loading>
                }
              />
              <Route path="consortium" element={<OrgConsortiumIndex />} />
              <Route path="consortium/:networkId" element={<OrgConsortiumScope />}>
                <Route index element={<ConsortiumPage />} />
                <Route path="proposals/:proposalId" element={<ProposalPage />} />
                <Route path="transactions/:hash" element={<TransactionPage />} />
              </Route>
              <Route path="consents" element={<ConsentsPage />} />
              <Route path="members" element={<MembersPage />} />
              <Route path="audit" element={<AuditPage />} />
            </Route>
            <Route
              path="ops/orgs"
              element={
                <RequireOperator>
                  <OpsOrganisationsPage />
                </RequireOperator>
              }
            />
            <Route
              path="ops/fleet"
              element={
                <RequireOperator>
                  <FleetPage />
                </RequireOperator>
              }
            />
            <Route
              path="ops/networks"
              element={
                <RequireOperator>
                  <NetworksPage />
                </RequireOperator>
              }
            />
            <Route
              path="ops/networks/new"
              element={
                <RequireOperator>
                  <CreateNetworkPage />
                </RequireOperator>
              }
            />
            <Route
              path="ops/networks/:networkId"
              element={
                <RequireOperator>
                  <NetworkDetailPage />
                </RequireOperator>
              }
            />
            <Route
              path="ops/networks/:networkId/consortium"
              element={
                <RequireOperator>
                  <OpsConsortiumScope />
                </RequireOperator>
              }
            >
              <Route index element={<ConsortiumPage />} />
              <Route path="proposals/:proposalId" element={<ProposalPage />} />
              <Route path="transactions/:hash" element={<TransactionPage />} />
            </Route>
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </SessionProvider>
  );
}
