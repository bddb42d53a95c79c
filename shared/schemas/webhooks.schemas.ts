/**
 * Webhook endpoints, their deliveries and live-stream tickets as the API takes and shows them
 * (docs/architecture.md, "Event streams"). Event types come from the domain's catalogue.
 */
import { z } from '@hono/zod-openapi';
import { EVENT_CATALOGUE, EVENT_TYPES } from '../domain/events.ts';
import { MAX_FILTER_ADDRESSES, MAX_TOPIC_POSITIONS, MAX_TOPICS_PER_POSITION } from '../domain/log-filter.ts';
import { DELIVERY_STATUSES } from '../domain/webhook-delivery.ts';
import { DELIVERY_ID_PATTERN, WEBHOOK_STATUSES } from '../domain/webhooks.ts';
import { NetworkId, pageOf, Timestamp } from './common.schemas.ts';
import { WellFormedText } from './text.schemas.ts';
import { HttpUrl } from './url.schemas.ts';

export const EventType = z.enum(EVENT_TYPES).openapi({
  description: Object.entries(EVENT_CATALOGUE)
    .map(([type, meaning]) => `\`${type}\`: ${meaning}`)
    .join('; '),
});

const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'An address: 0x and 40 hexadecimal digits');
const Topic = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'A topic: 0x and 64 hexadecimal digits');

export const ChainLogFilter = z
  .strictObject({
    networkId: NetworkId,
    address: z
      .array(Address)
      .max(MAX_FILTER_ADDRESSES)
      .optional()
      .openapi({ description: 'Logs of these contracts only (any of them); absent: every contract' }),
    topics: z
      .array(z.union([Topic, z.array(Topic).min(1).max(MAX_TOPICS_PER_POSITION), z.null()]))
      .max(MAX_TOPIC_POSITIONS)
      .optional()
      .openapi({
        description: 'Per position: a topic, a list of topics (any of them) or null (anything), as in eth_getLogs',
      }),
  })
  .openapi('ChainLogFilter');
export type ChainLogFilter = z.infer<typeof ChainLogFilter>;

const EventTypes = z
  .array(EventType)
  .min(1)
  .max(EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, 'Each event type once');

const Description = WellFormedText.trim().max(500);

/** A `chain.log` subscription names the logs it wants; a filter without it subscribes to nothing. */
function chainLogNeedsFilter(
  value: { eventTypes?: readonly string[]; chainLog?: ChainLogFilter | null },
  ctx: z.RefinementCtx,
) {
  const wantsLogs = value.eventTypes?.includes('chain.log');
  if (wantsLogs && !value.chainLog) {
    ctx.addIssue({ code: 'custom', path: ['chainLog'], message: 'chain.log needs a filter: at least its networkId' });
  }
  if (value.eventTypes && !wantsLogs && value.chainLog) {
    ctx.addIssue({ code: 'custom', path: ['chainLog'], message: 'A log filter needs chain.log among the event types' });
  }
}

export const CreateWebhook = z
  .strictObject({
    url: HttpUrl.openapi({
      description: 'Where deliveries are POSTed. In AWS: https, to a public address (checked at every delivery)',
      example: 'https://integration.hospital.example/carechain/events',
    }),
    description: Description.default(''),
    eventTypes: EventTypes,
    chainLog: ChainLogFilter.optional(),
  })
  .superRefine(chainLogNeedsFilter)
  .openapi('CreateWebhook');
export type CreateWebhook = z.infer<typeof CreateWebhook>;

export const UpdateWebhook = z
  .strictObject({
    url: HttpUrl.optional(),
    description: Description.optional(),
    eventTypes: EventTypes.optional(),
    chainLog: ChainLogFilter.nullable().optional(),
    status: z
      .enum(WEBHOOK_STATUSES)
      .optional()
      .openapi({ description: 'disabled: nothing is sent, events wait; active again: they follow in order' }),
  })
  .superRefine(chainLogNeedsFilter)
  .openapi('UpdateWebhook');
export type UpdateWebhook = z.infer<typeof UpdateWebhook>;

export const WebhookView = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(EventType),
    chainLog: ChainLogFilter.nullable(),
    status: z.enum(WEBHOOK_STATUSES),
    disabledReason: z.string().nullable(),
    secretPrefix: z.string().openapi({ description: 'The first characters of the signing secret' }),
    retrying: z
      .object({ deliveryId: z.string(), nextAttemptAt: Timestamp })
      .nullable()
      .openapi({ description: 'The delivery being retried; later events wait behind it' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Webhook');
export type WebhookView = z.infer<typeof WebhookView>;

export const CreatedWebhook = WebhookView.extend({
  secret: z.string().openapi({
    description: 'The signing secret (whsec_…), shown only now: verify CareChain-Signature with it',
  }),
}).openapi('CreatedWebhook');

export const WebhookList = z.object({ items: z.array(WebhookView) }).openapi('WebhookList');

export const DeliveryId = z
  .string()
  .regex(DELIVERY_ID_PATTERN, 'Not a valid delivery id')
  .openapi({ example: 'dlv_0000000000000042' });

export const DeliveryView = z
  .object({
    id: DeliveryId,
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    firstAttemptAt: Timestamp,
    lastAttemptAt: Timestamp,
    nextAttemptAt: Timestamp.nullable(),
    responseStatus: z.number().int().nullable().openapi({ description: 'The receiver’s HTTP status, if it answered' }),
    latencyMs: z.number().int(),
    error: z.string().nullable(),
  })
  .openapi('WebhookDelivery');
export type DeliveryView = z.infer<typeof DeliveryView>;
export const DeliveryPage = pageOf(DeliveryView, 'WebhookDeliveryPage');

export const LiveTicket = z
  .object({
    ticket: z.string().openapi({
      description:
        'Offer it as a WebSocket subprotocol beside carechain-jsonrpc. It opens one connection: ask for a new ' +
        'ticket for every connection. The HTTP gateway does not accept it.',
    }),
    url: z.string().openapi({ description: 'The gateway WebSocket URL of the node' }),
    expiresAt: Timestamp.openapi({
      description: 'Until when the ticket may open its connection, and the connection it opened stays admitted',
    }),
  })
  .openapi('LiveTicket');
