/**
 * An endpoint's delivery log, newest first: the event, its outcome, the receiver's HTTP status, latency, attempts,
 * the next retry or the dead letter, and "Send again" (one attempt now, same event id). Read again every few
 * seconds, since deliveries happen in the background.
 */
import { api } from '../../api/api-client.ts';
import type { WebhookDeliveries, WebhookDelivery } from '../../api/api-types.ts';
import { DELIVERY_STATUS_LABELS } from '../../api/labels.ts';
import { useAction } from '../../api/use-action.ts';
import { type Resource, useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatCount, formatDateTime } from '../../components/format.ts';
import { SkeletonRows } from '../../components/skeleton.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';

/** How often the log is read again while the page is open. */
const DELIVERY_POLL_MS = 3000;

/** The endpoint's newest deliveries, read again every few seconds. */
export function useDeliveries(base: string): Resource<WebhookDeliveries> {
  return useResource<WebhookDeliveries>(`${base}/deliveries?limit=50`, { poll: () => DELIVERY_POLL_MS });
}

export function DeliveryLog({
  base,
  manage,
  deliveries,
}: {
  /** `/v1/orgs/{orgId}/webhooks/{webhookId}` */
  readonly base: string;
  readonly manage: boolean;
  readonly deliveries: Resource<WebhookDeliveries>;
}) {
  const redeliver = useAction(async (delivery: WebhookDelivery) => {
    await api<WebhookDelivery>('POST', `${base}/deliveries/${delivery.id}/redeliver`);
    await deliveries.reload();
  });
  const items = deliveries.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="deliveries-heading">
      <h2 id="deliveries-heading">Delivery log</h2>
      <ErrorMessage error={deliveries.error} />
      <ErrorMessage error={redeliver.error} />
      {deliveries.loading && <SkeletonRows rows={2} label="Loading deliveries" />}
      {deliveries.data && items.length === 0 && (
        <p className="empty">Nothing delivered yet. Send a test event to try the endpoint.</p>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">HTTP status</th>
                <th scope="col" className="col-optional">
                  Latency
                </th>
                <th scope="col">Attempts</th>
                <th scope="col" className="col-optional">
                  Last attempt
                </th>
                <th scope="col">Next retry</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((delivery) => (
                <tr key={delivery.id}>
                  <td>
                    <code>{delivery.eventId}</code>
                  </td>
                  <td>
                    <code>{delivery.eventType}</code>
                  </td>
                  <td>
                    <StatusBadge {...DELIVERY_STATUS_LABELS[delivery.status]} />
                    {delivery.error && <p className="cell-note">{delivery.error}</p>}
                  </td>
                  <td>{delivery.responseStatus ?? <span className="muted">No answer</span>}</td>
                  <td className="col-optional nowrap">{formatCount(delivery.latencyMs)} ms</td>
                  <td>{delivery.attempts}</td>
                  <td className="col-optional">{formatDateTime(delivery.lastAttemptAt)}</td>
                  <td>
                    {delivery.status === 'dead'
                      ? 'None: dead-lettered'
                      : delivery.nextAttemptAt
                        ? formatDateTime(delivery.nextAttemptAt)
                        : '—'}
                  </td>
                  <td className="cell-actions">
                    {manage && (
                      <button
                        type="button"
                        className="button button-small"
                        disabled={redeliver.pending}
                        onClick={() => void redeliver.run(delivery)}
                      >
                        Send again <span className="visually-hidden">{delivery.eventId}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
