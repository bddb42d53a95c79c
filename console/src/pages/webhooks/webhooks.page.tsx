/**
 * The organisation's webhook endpoints: the list (URL, description, event types, log filter, state), registering
 * one, and its signing secret shown exactly once. Each endpoint's page holds its delivery log and its actions.
 */
import { useState } from 'react';
import { Link } from 'react-router';
import type { CreatedWebhook, Webhook, Webhooks } from '../../api/api-types.ts';
import { WEBHOOK_STATUS_LABELS } from '../../api/labels.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { SecretOnce } from '../../components/secret-once.tsx';
import { SkeletonRows } from '../../components/skeleton.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { canAct, useOrg } from '../../session/org-context.tsx';
import { topicPositionText } from './chain-log-filter.ts';
import { WebhookForm } from './webhook-form.tsx';

/** The log filter in words: network, contracts, topics per position. */
export function FilterSummary({ chainLog }: { readonly chainLog: Webhook['chainLog'] }) {
  if (!chainLog) return <span className="muted">—</span>;
  return (
    <ul className="plain-list small">
      <li>
        Network <code>{chainLog.networkId}</code>
      </li>
      <li>
        {chainLog.address ? (
          <>
            Contracts{' '}
            {chainLog.address.map((address) => (
              <code key={address} className="break">
                {address}{' '}
              </code>
            ))}
          </>
        ) : (
          'Every contract'
        )}
      </li>
      {chainLog.topics?.map((position, index) => (
        // Positions have no identity beyond their place.
        // biome-ignore lint/suspicious/noArrayIndexKey: the index is the topic position
        <li key={index}>
          Topic {index}: <code className="break">{topicPositionText(position)}</code>
        </li>
      ))}
    </ul>
  );
}

export function WebhooksPage() {
  const org = useOrg();
  const webhooks = useResource<Webhooks>(`/v1/orgs/${org.id}/webhooks`);
  const [created, setCreated] = useState<CreatedWebhook | undefined>(undefined);
  const manage = canAct(org, 'developer');
  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Endpoints your systems run to be told when something happens: node and billing changes, governance proposals, contract logs. Each delivery is signed."
      />
      {created && (
        <SecretOnce
          title={`Signing secret of ${created.url}`}
          secret={created.secret}
          copyLabel="Copy signing secret"
          onDone={() => setCreated(undefined)}
        >
          <p>
            <strong>Copy the signing secret now: you will not see it again.</strong> Your receiver checks the
            CareChain-Signature header of every delivery with it. If it is lost, register the endpoint again and delete
            this one.
          </p>
        </SecretOnce>
      )}
      {manage && !created && (
        <WebhookForm
          orgId={org.id}
          mode={{
            kind: 'create',
            onCreated: (webhook) => {
              setCreated(webhook);
              void webhooks.reload();
            },
          }}
        />
      )}
      <ErrorMessage error={webhooks.error} />
      {webhooks.loading && <SkeletonRows rows={2} label="Loading webhook endpoints" />}
      {webhooks.data?.items.length === 0 && <p className="empty card">No webhook endpoints yet.</p>}
      {webhooks.data && webhooks.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Webhook endpoints of {org.name}</caption>
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col" className="col-optional">
                  Description
                </th>
                <th scope="col">Event types</th>
                <th scope="col" className="col-optional">
                  Log filter
                </th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {webhooks.data.items.map((webhook) => (
                <tr key={webhook.id}>
                  <td className="break">
                    <Link to={`/orgs/${org.id}/webhooks/${webhook.id}`}>{webhook.url}</Link>
                  </td>
                  <td className="col-optional">{webhook.description || <span className="muted">—</span>}</td>
                  <td>
                    {webhook.eventTypes.map((type) => (
                      <code key={type}>{type} </code>
                    ))}
                  </td>
                  <td className="col-optional">
                    <FilterSummary chainLog={webhook.chainLog} />
                  </td>
                  <td>
                    <StatusBadge {...WEBHOOK_STATUS_LABELS[webhook.status]} />
                    {webhook.disabledReason && <p className="cell-note">{webhook.disabledReason}</p>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
