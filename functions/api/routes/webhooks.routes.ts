/**
 * Webhook endpoints of an organisation and their delivery log (docs/architecture.md, "Event streams"): register an
 * endpoint (the signing secret is in this answer only), list, change, disable and remove endpoints, read the
 * deliveries, send one again, send a test event. The work is the webhook service's.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { WebhookDelivery, WebhookEndpoint } from '../../../shared/domain/webhooks.ts';
import { idParam, OrgId, PageQuery } from '../../../shared/schemas/common.schemas.ts';
import {
  CreatedWebhook,
  CreateWebhook,
  DeliveryId,
  DeliveryPage,
  DeliveryView,
  UpdateWebhook,
  WebhookList,
  WebhookView,
} from '../../../shared/schemas/webhooks.schemas.ts';
import { WebhookService } from '../../services/webhooks/webhooks.service.ts';
import { accessGuards, orgAuthor } from '../access.ts';
import type { AppDeps, GuardDeps, RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonBody, jsonResponse, noContent, security } from '../route-helpers.ts';

export const WebhookId = idParam('webhook', 'whk_a2b3c4d5e6f7g2h3i4j5');
const WebhookParams = z.object({ orgId: OrgId, webhookId: WebhookId });
const DeliveryParams = WebhookParams.extend({ deliveryId: DeliveryId });

export function toWebhookView(endpoint: WebhookEndpoint): WebhookView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: [...endpoint.eventTypes],
    chainLog: endpoint.chainLog
      ? {
          networkId: endpoint.chainLog.networkId,
          ...(endpoint.chainLog.address && { address: [...endpoint.chainLog.address] }),
          ...(endpoint.chainLog.topics && {
            topics: endpoint.chainLog.topics.map((position) => (position === null ? null : [...position])),
          }),
        }
      : null,
    status: endpoint.status,
    disabledReason: endpoint.disabledReason ?? null,
    secretPrefix: endpoint.secretPrefix,
    retrying: endpoint.retry
      ? { deliveryId: endpoint.retry.deliveryId, nextAttemptAt: endpoint.retry.nextAttemptAt }
      : null,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
  };
}

export function toDeliveryView(delivery: WebhookDelivery): DeliveryView {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    firstAttemptAt: delivery.firstAttemptAt,
    lastAttemptAt: delivery.lastAttemptAt,
    nextAttemptAt: delivery.nextAttemptAt ?? null,
    responseStatus: delivery.responseStatus ?? null,
    latencyMs: delivery.latencyMs,
    error: delivery.error ?? null,
  };
}

export type WebhookRouteDeps = RouteDeps<
  'clock' | 'config' | 'logger' | GuardDeps,
  'organisations' | 'audit' | 'webhooks' | 'events' | 'networks' | 'nodes' | 'chainLogCursors'
>;

export function registerWebhookRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: WebhookRouteDeps,
  delivery: NonNullable<AppDeps['webhookDelivery']>,
) {
  const { orgAccess } = accessGuards(deps);
  const webhooks = new WebhookService({
    ...deps,
    ...delivery,
    publicUrlsOnly: deps.config.mode === 'aws',
  });
  const tags = ['webhooks'];

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/webhooks',
      tags,
      summary: 'Register a webhook endpoint (its signing secret is shown only in this answer)',
      security,
      middleware: orgAccess('developer'),
      request: { params: z.object({ orgId: OrgId }), ...jsonBody(CreateWebhook) },
      responses: { 201: jsonResponse(CreatedWebhook, 'Registered'), ...errorResponses },
    }),
    async (c) => {
      const { endpoint, secret } = await webhooks.create(orgAuthor(c), c.req.valid('param').orgId, c.req.valid('json'));
      return c.json({ ...toWebhookView(endpoint), secret }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/webhooks',
      tags,
      summary: 'Webhook endpoints of the organisation (never their secrets)',
      security,
      middleware: orgAccess('viewer'),
      request: { params: z.object({ orgId: OrgId }) },
      responses: { 200: jsonResponse(WebhookList, 'Endpoints'), ...errorResponses },
    }),
    async (c) => c.json({ items: (await webhooks.list(c.req.valid('param').orgId)).map(toWebhookView) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/webhooks/{webhookId}',
      tags,
      summary: 'One webhook endpoint',
      security,
      middleware: orgAccess('viewer'),
      request: { params: WebhookParams },
      responses: { 200: jsonResponse(WebhookView, 'The endpoint'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, webhookId } = c.req.valid('param');
      return c.json(toWebhookView(await webhooks.get(orgId, webhookId)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/orgs/{orgId}/webhooks/{webhookId}',
      tags,
      summary: 'Change an endpoint, or disable and enable it (events wait while it is disabled)',
      security,
      middleware: orgAccess('developer'),
      request: { params: WebhookParams, ...jsonBody(UpdateWebhook) },
      responses: { 200: jsonResponse(WebhookView, 'Changed'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, webhookId } = c.req.valid('param');
      return c.json(toWebhookView(await webhooks.update(orgAuthor(c), orgId, webhookId, c.req.valid('json'))), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/orgs/{orgId}/webhooks/{webhookId}',
      tags,
      summary: 'Remove an endpoint (nothing more is sent to it)',
      security,
      middleware: orgAccess('developer'),
      request: { params: WebhookParams },
      responses: { 204: noContent, ...errorResponses },
    }),
    async (c) => {
      const { orgId, webhookId } = c.req.valid('param');
      await webhooks.remove(orgAuthor(c), orgId, webhookId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/webhooks/{webhookId}/deliveries',
      tags,
      summary: 'The delivery log of an endpoint, newest first: status, attempts, latency',
      security,
      middleware: orgAccess('viewer'),
      request: { params: WebhookParams, query: PageQuery },
      responses: { 200: jsonResponse(DeliveryPage, 'Deliveries'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, webhookId } = c.req.valid('param');
      const page = await webhooks.deliveries(orgId, webhookId, c.req.valid('query'));
      return c.json({ items: page.items.map(toDeliveryView), nextCursor: page.cursor ?? null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver',
      tags,
      summary: 'Send a delivery again now (same event id and body, newly signed)',
      security,
      middleware: orgAccess('developer'),
      request: { params: DeliveryParams },
      responses: { 200: jsonResponse(DeliveryView, 'The delivery with this attempt'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, webhookId, deliveryId } = c.req.valid('param');
      return c.json(toDeliveryView(await webhooks.redeliver(orgAuthor(c), orgId, webhookId, deliveryId)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/webhooks/{webhookId}/test',
      tags,
      summary: 'Send a test event (webhook.test) now; the outcome is in the answer and the delivery log',
      security,
      middleware: orgAccess('developer'),
      request: { params: WebhookParams },
      responses: { 200: jsonResponse(DeliveryView, 'The test delivery'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, webhookId } = c.req.valid('param');
      return c.json(toDeliveryView(await webhooks.sendTest(orgAuthor(c), orgId, webhookId)), 200);
    },
  );
}
