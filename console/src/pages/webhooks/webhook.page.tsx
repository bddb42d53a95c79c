/**
 * One webhook endpoint: what it receives, its state (with why it was disabled, and the delivery being retried),
 * "Send a test event", changing what it receives (its signing secret stays), disable / enable, delete after a
 * confirmation, and its delivery log.
 */
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/api-client.ts';
import type { UpdateWebhook, Webhook, WebhookDelivery } from '../../api/api-types.ts';
import { DELIVERY_STATUS_LABELS, WEBHOOK_STATUS_LABELS } from '../../api/labels.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatDateTime } from '../../components/format.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonBlock } from '../../components/skeleton.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { canAct, useOrg } from '../../session/org-context.tsx';
import { DeliveryLog, useDeliveries } from './delivery-log.tsx';
import { WebhookForm } from './webhook-form.tsx';
import { FilterSummary } from './webhooks.page.tsx';

function TestOutcome({ delivery }: { readonly delivery: WebhookDelivery }) {
  const delivered = delivery.status === 'delivered';
  return (
    <div className={`notice ${delivered ? 'notice-ok' : 'notice-bad'}`} role="status">
      <p>
        Test event <code>{delivery.eventId}</code>: {DELIVERY_STATUS_LABELS[delivery.status].label.toLowerCase()}
        {delivery.responseStatus !== null && `, the receiver answered ${delivery.responseStatus}`} in{' '}
        {delivery.latencyMs} ms.
        {delivery.error && ` ${delivery.error}`}
      </p>
    </div>
  );
}

function EndpointFacts({ webhook }: { readonly webhook: Webhook }) {
  return (
    <section className="card" aria-labelledby="endpoint-facts-heading">
      <h2 id="endpoint-facts-heading">Endpoint</h2>
      <dl className="facts">
        <div>
          <dt>URL</dt>
          <dd className="mono break">{webhook.url}</dd>
        </div>
        <div>
          <dt>Description</dt>
          <dd>{webhook.description || '—'}</dd>
        </div>
        <div>
          <dt>Event types</dt>
          <dd>
            {webhook.eventTypes.map((type) => (
              <code key={type}>{type} </code>
            ))}
          </dd>
        </div>
        <div>
          <dt>Log filter</dt>
          <dd>
            <FilterSummary chainLog={webhook.chainLog} />
          </dd>
        </div>
        <div>
          <dt>Signing secret</dt>
          <dd>
            <code>{webhook.secretPrefix}…</code>{' '}
            <span className="muted small">(shown in full only when registered)</span>
          </dd>
        </div>
        <div>
          <dt>Registered</dt>
          <dd>{formatDateTime(webhook.createdAt)}</dd>
        </div>
      </dl>
    </section>
  );
}

export function WebhookPage() {
  const org = useOrg();
  const navigate = useNavigate();
  const { webhookId = '' } = useParams();
  const base = `/v1/orgs/${org.id}/webhooks/${webhookId}`;
  const webhook = useResource<Webhook>(base);
  const deliveries = useDeliveries(base);
  const [deleting, setDeleting] = useState(false);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const [tested, setTested] = useState<WebhookDelivery | undefined>(undefined);
  const manage = canAct(org, 'developer');
  const sendTest = useAction(async () => {
    setTested(await api<WebhookDelivery>('POST', `${base}/test`));
    await deliveries.reload();
  });
  const update = useAction(async (body: UpdateWebhook) => {
    await api<Webhook>('PATCH', base, { body });
    await webhook.reload();
  });
  const remove = useAction(async () => {
    await api('DELETE', base);
    navigate(`/orgs/${org.id}/webhooks`);
  });
  const data = webhook.data;
  return (
    <>
      <p className="breadcrumb">
        <Link to={`/orgs/${org.id}/webhooks`}>Webhooks</Link> <span aria-hidden="true">/</span>
      </p>
      <PageHeader
        title={data?.description || 'Webhook endpoint'}
        description={
          data ? (
            <span className="header-state">
              <StatusBadge {...WEBHOOK_STATUS_LABELS[data.status]} />
              <span className="muted break">{data.url}</span>
            </span>
          ) : (
            <span className="skeleton skeleton-inline" />
          )
        }
        actions={
          data &&
          manage && (
            <div className="button-row">
              <button
                type="button"
                className="button button-primary"
                disabled={sendTest.pending}
                onClick={() => void sendTest.run()}
              >
                {sendTest.pending ? 'Sending…' : 'Send a test event'}
              </button>
              <button
                type="button"
                className="button"
                disabled={editing}
                onClick={() => {
                  setSaved(false);
                  setEditing(true);
                }}
              >
                Edit
              </button>
              <button
                type="button"
                className="button"
                disabled={update.pending}
                onClick={() => void update.run({ status: data.status === 'active' ? 'disabled' : 'active' })}
              >
                {data.status === 'active' ? 'Disable' : 'Enable'}
              </button>
              <button type="button" className="button button-danger-quiet" onClick={() => setDeleting(true)}>
                Delete
              </button>
            </div>
          )
        }
      />
      <ErrorMessage error={webhook.error} />
      <ErrorMessage error={sendTest.error} />
      <ErrorMessage error={update.error} />
      {webhook.loading && <SkeletonBlock height={200} label="Loading the endpoint" />}
      {data && (
        <div className="stack">
          {tested && <TestOutcome delivery={tested} />}
          {saved && (
            <div className="notice notice-ok" role="status">
              <p>Changes saved. The signing secret stays the same.</p>
            </div>
          )}
          {editing && (
            <WebhookForm
              orgId={org.id}
              mode={{
                kind: 'edit',
                webhook: data,
                onSaved: () => {
                  setEditing(false);
                  setSaved(true);
                  void webhook.reload();
                },
                onCancel: () => setEditing(false),
              }}
            />
          )}
          {data.status === 'disabled' && (
            <div className="notice notice-warn" role="status">
              <p>
                Nothing is sent while the endpoint is disabled; events wait and follow in order once it is enabled
                again.
                {data.disabledReason && ` ${data.disabledReason}`}
              </p>
            </div>
          )}
          {data.retrying && (
            <div className="notice notice-warn" role="status">
              <p>
                A delivery failed and is retried at {formatDateTime(data.retrying.nextAttemptAt)}; later events wait
                behind it.
              </p>
            </div>
          )}
          <DeliveryLog base={base} manage={manage} deliveries={deliveries} />
          <EndpointFacts webhook={data} />
        </div>
      )}
      <ConfirmDialog
        open={deleting}
        title="Delete this endpoint?"
        confirmLabel="Delete endpoint"
        danger
        pending={remove.pending}
        error={remove.error}
        onConfirm={() => void remove.run()}
        onCancel={() => {
          remove.clear();
          setDeleting(false);
        }}
      >
        <p>
          Nothing more is sent to <strong>{data?.url}</strong>, and its signing secret stops being used. This cannot be
          undone.
        </p>
      </ConfirmDialog>
    </>
  );
}
