/**
 * The consortium of one network: the acting party's own membership (or how to join), the proposals newest
 * first, proposing a change, and the members and validators. Everything is read again every few seconds while
 * the page is open, so other members' votes and decisions appear without a reload.
 */
import { useState } from 'react';
import { Link, useLocation } from 'react-router';
import type { Governance, Networks, Proposals } from '../../api/api-types.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonBlock } from '../../components/skeleton.tsx';
import { LIVE_POLL_MS, useConsortium } from './consortium-scope.tsx';
import { MembersPanel, ValidatorsPanel } from './members-panel.tsx';
import { MembershipPanel } from './membership-panel.tsx';
import { NetworkSwitch } from './network-switch.tsx';
import { ProposalsPanel } from './proposals-panel.tsx';
import { ProposeForm } from './propose-form.tsx';
import { NoMemberKey } from './signer-picker.tsx';
import { useSigners } from './use-signers.ts';

export function ConsortiumPage() {
  const { networkId, acting } = useConsortium();
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const live = { poll: () => LIVE_POLL_MS };
  const networks = useResource<Networks>('/v1/networks');
  const governance = useResource<Governance>(`/v1/networks/${networkId}/governance`, live);
  // The API pages proposals 20 at a time (at most 100); older ones come on request.
  const [limit, setLimit] = useState(20);
  const proposals = useResource<Proposals>(`/v1/networks/${networkId}/proposals?limit=${limit}`, live);
  const notDeployed = governance.error?.problem?.type.endsWith('/invalid-state') === true;
  const signers = useSigners(acting, governance.data);
  const network = networks.data?.items.find((n) => n.id === networkId);
  const canPropose = acting.kind === 'platform' || acting.canSign;
  return (
    <>
      <PageHeader
        title="Consortium"
        description={
          network
            ? `Who belongs to ${network.name} (chain id ${network.chainId}) and what its members are deciding, on its governance contract.`
            : 'Who belongs to the network and what its members are deciding, on its governance contract.'
        }
      />
      {acting.kind === 'organisation' && <NetworkSwitch networks={networks.data} />}
      {notice && (
        <div className="notice notice-info" role="status">
          <p>{notice}</p>
        </div>
      )}
      {notDeployed && (
        <div className="notice notice-info" role="status">
          <p>
            This network’s governance contract is deployed as soon as a node of the network runs; the consortium appears
            here then.
            {acting.kind === 'organisation' && acting.canSign && (
              <>
                {' '}
                <Link to={`/orgs/${acting.orgId}/nodes/new`}>Create a managed node</Link> to start it.
              </>
            )}
          </p>
        </div>
      )}
      {governance.error && !notDeployed && <ErrorMessage error={governance.error} />}
      {governance.loading && <SkeletonBlock height={240} label="Loading the consortium" />}
      {governance.data && (
        <div className="stack">
          <MembershipPanel governance={governance.data} signers={signers} />
          {proposals.error && <ErrorMessage error={proposals.error} />}
          {proposals.data && (
            <ProposalsPanel
              proposals={proposals.data}
              onOlder={
                proposals.data.nextCursor !== null && limit < 100
                  ? () => setLimit(Math.min(limit + 20, 100))
                  : undefined
              }
            />
          )}
          {canPropose && signers.choices.length > 0 && <ProposeForm governance={governance.data} signers={signers} />}
          {canPropose && signers.choices.length === 0 && !signers.loading && (
            <NoMemberKey acting={acting} signers={signers} />
          )}
          <MembersPanel governance={governance.data} />
          <ValidatorsPanel governance={governance.data} />
        </div>
      )}
    </>
  );
}
