/**
 * Webhook endpoints and their delivery log (docs/architecture.md, "Event streams"):
 *
 * - `ORG#<orgId>` / `WEBHOOK#<id>`: the endpoint, its sealed signing secret, its cursor in the organisation's event
 *   log and the delivery it is retrying; changed only with the version it was read at. GSI2 `WEBHOOKS#<shard>`
 *   lists every endpoint for the delivery worker and the chain-log follower without a Scan.
 * - `WEBHOOK#<endpointId>` / `DELIVERY#<deliveryId>`: one event sent to the endpoint, with its last attempt;
 *   delivery ids sort by time, so the log reads newest first. Kept 30 days.
 */
import type { WebhookDelivery, WebhookEndpoint } from '../domain/webhooks.ts';
import { gsi2, shardOf } from './keys.ts';
import type { Item, Page, Table } from './table.ts';
import { FLEET_SHARDS } from './table-schema.ts';

export const DELIVERY_RETENTION_SECONDS = 30 * 86_400;

const webhookKeys = {
  endpoint: (orgId: string, endpointId: string) => ({ pk: `ORG#${orgId}`, sk: `WEBHOOK#${endpointId}` }),
  delivery: (endpointId: string, deliveryId: string) => ({ pk: `WEBHOOK#${endpointId}`, sk: `DELIVERY#${deliveryId}` }),
} as const;

type EndpointItem = Item & WebhookEndpoint;
type DeliveryItem = Item & WebhookDelivery & { expiresAt: number };

/** Endpoint fields a change may set; the repository keeps keys and version. */
export type EndpointChanges = Partial<
  Pick<
    WebhookEndpoint,
    'url' | 'description' | 'eventTypes' | 'chainLog' | 'status' | 'disabledReason' | 'cursor' | 'retry' | 'updatedAt'
  >
>;

/** Optional endpoint attributes: set to undefined in a change, they are removed. */
const OPTIONAL = ['chainLog', 'disabledReason', 'retry'] as const;

export class WebhooksRepository {
  constructor(private readonly table: Table) {}

  async create(endpoint: WebhookEndpoint): Promise<WebhookEndpoint> {
    await this.table.create<EndpointItem>({
      ...webhookKeys.endpoint(endpoint.orgId, endpoint.id),
      ...endpoint,
      type: 'webhook-endpoint',
      gsi2pk: gsi2.webhooks(shardOf(endpoint.id)),
      gsi2sk: endpoint.id,
    });
    return endpoint;
  }

  async get(orgId: string, endpointId: string): Promise<WebhookEndpoint | undefined> {
    const item = await this.table.get<EndpointItem>(webhookKeys.endpoint(orgId, endpointId));
    return item ? toEndpoint(item) : undefined;
  }

  async listByOrg(orgId: string): Promise<WebhookEndpoint[]> {
    const items = await this.table.queryAll<EndpointItem>(`ORG#${orgId}`, { beginsWith: 'WEBHOOK#' });
    return items.map(toEndpoint);
  }

  /** Whether the organisation has any endpoint at all: events of organisations without one are not recorded. */
  async orgHasEndpoints(orgId: string): Promise<boolean> {
    const page = await this.table.query<EndpointItem>(`ORG#${orgId}`, { beginsWith: 'WEBHOOK#', limit: 1 });
    return page.items.length > 0;
  }

  /** Every endpoint of every organisation, shard by shard (the index lags: re-read one before changing it). */
  async listAll(): Promise<WebhookEndpoint[]> {
    const shards = await Promise.all(
      Array.from({ length: FLEET_SHARDS }, (_, shard) =>
        this.table.queryAll<EndpointItem>(gsi2.webhooks(shard), { index: 'gsi2' }),
      ),
    );
    return shards.flat().map(toEndpoint);
  }

  /** Applies `changes` if the endpoint is still the version read; ConditionFailedError otherwise. */
  async update(endpoint: WebhookEndpoint, changes: EndpointChanges): Promise<WebhookEndpoint> {
    const remove = OPTIONAL.filter((field) => field in changes && changes[field] === undefined);
    const updated = await this.table.update<EndpointItem>(
      webhookKeys.endpoint(endpoint.orgId, endpoint.id),
      endpoint.version,
      changes,
      { remove },
    );
    return toEndpoint(updated);
  }

  async delete(endpoint: WebhookEndpoint): Promise<void> {
    await this.table.delete(webhookKeys.endpoint(endpoint.orgId, endpoint.id));
  }

  async getDelivery(endpointId: string, deliveryId: string): Promise<WebhookDelivery | undefined> {
    const item = await this.table.get<DeliveryItem>(webhookKeys.delivery(endpointId, deliveryId));
    return item ? toDelivery(item) : undefined;
  }

  /** Records a new delivery (after its first attempt). */
  async createDelivery(delivery: WebhookDelivery): Promise<WebhookDelivery> {
    const expiresAt = Math.floor(Date.parse(delivery.firstAttemptAt) / 1000) + DELIVERY_RETENTION_SECONDS;
    await this.table.create<DeliveryItem>({
      ...webhookKeys.delivery(delivery.endpointId, delivery.id),
      ...delivery,
      type: 'webhook-delivery',
      expiresAt,
    });
    return delivery;
  }

  /** Records another attempt's outcome, if the delivery is still the version read. */
  async updateDelivery(
    delivery: WebhookDelivery,
    changes: Pick<
      WebhookDelivery,
      'status' | 'attempts' | 'lastAttemptAt' | 'nextAttemptAt' | 'responseStatus' | 'latencyMs' | 'error'
    >,
  ): Promise<WebhookDelivery> {
    const remove = (['nextAttemptAt', 'responseStatus', 'error'] as const).filter(
      (field) => changes[field] === undefined,
    );
    const updated = await this.table.update<DeliveryItem>(
      webhookKeys.delivery(delivery.endpointId, delivery.id),
      delivery.version,
      changes,
      { remove },
    );
    return toDelivery(updated);
  }

  /** An endpoint's deliveries, newest first. */
  async listDeliveries(
    endpointId: string,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<Page<WebhookDelivery>> {
    const page = await this.table.query<DeliveryItem>(`WEBHOOK#${endpointId}`, {
      beginsWith: 'DELIVERY#',
      newestFirst: true,
      limit: options.limit ?? 50,
      cursor: options.cursor,
    });
    return { items: page.items.map(toDelivery), cursor: page.cursor };
  }
}

function toEndpoint(item: EndpointItem): WebhookEndpoint {
  return {
    id: item.id,
    orgId: item.orgId,
    url: item.url,
    description: item.description,
    eventTypes: item.eventTypes,
    chainLog: item.chainLog,
    status: item.status,
    disabledReason: item.disabledReason,
    sealedSecret: item.sealedSecret,
    secretPrefix: item.secretPrefix,
    cursor: item.cursor,
    retry: item.retry,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
  };
}

function toDelivery(item: DeliveryItem): WebhookDelivery {
  return {
    id: item.id,
    endpointId: item.endpointId,
    orgId: item.orgId,
    eventId: item.eventId,
    eventType: item.eventType,
    eventKey: item.eventKey,
    body: item.body,
    status: item.status,
    attempts: item.attempts,
    firstAttemptAt: item.firstAttemptAt,
    lastAttemptAt: item.lastAttemptAt,
    nextAttemptAt: item.nextAttemptAt,
    responseStatus: item.responseStatus,
    latencyMs: item.latencyMs,
    error: item.error,
    version: item.version,
  };
}
