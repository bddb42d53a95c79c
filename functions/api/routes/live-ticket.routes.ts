/**
 * A ticket for a node's live head in the console (docs/architecture.md, "Event streams"): the console may not hold
 * an API key, so a signed-in member gets a short-lived ticket for one node of the organisation and offers it as a
 * WebSocket subprotocol to the gateway, which admits it like a key for that node only, for reading heads. A ticket
 * opens one connection (the gateway redeems it as the connection opens); the console asks for one per connection.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { newSecret, sha256Hex } from '../../../shared/auth/secrets.ts';
import { isPlatformRun } from '../../../shared/domain/node.ts';
import { NotFoundError } from '../../../shared/errors.ts';
import { NodeId, OrgId } from '../../../shared/schemas/common.schemas.ts';
import { LiveTicket } from '../../../shared/schemas/webhooks.schemas.ts';
import { STREAM_TICKET_PREFIX } from '../../../shared/store/stream-tickets.repository.ts';
import { accessGuards, requestingUser } from '../access.ts';
import type { GuardDeps, RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonResponse, userSecurity } from '../route-helpers.ts';

/** How long a ticket may open its connection and keeps it admitted; the console asks for a new one per connection. */
export const STREAM_TICKET_SECONDS = 3600;

export type LiveTicketRouteDeps = RouteDeps<
  'clock' | 'config' | 'gatewaySocketUrl' | GuardDeps,
  'organisations' | 'nodes' | 'streamTickets'
>;

export function registerLiveTicketRoutes(app: OpenAPIHono<AppEnv>, deps: LiveTicketRouteDeps) {
  const { orgAccess } = accessGuards(deps);
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/nodes/{nodeId}/live-ticket',
      tags: ['nodes'],
      summary: 'A ticket that opens one WebSocket connection to follow the node’s new blocks (for the console)',
      security: userSecurity,
      middleware: orgAccess('viewer', { usersOnly: true }),
      request: { params: z.object({ orgId: OrgId, nodeId: NodeId }) },
      responses: { 201: jsonResponse(LiveTicket, 'The ticket and where to use it'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, nodeId } = c.req.valid('param');
      const node = await deps.stores.nodes.get(orgId, nodeId);
      if (!node || node.state === 'terminated') throw new NotFoundError('No such node');
      if (!isPlatformRun(node)) throw new NotFoundError('A self-hosted node is not served through the gateway');
      const ticket = newSecret(STREAM_TICKET_PREFIX);
      const expiresAt = Math.floor(deps.clock().getTime() / 1000) + STREAM_TICKET_SECONDS;
      await deps.stores.streamTickets.create(sha256Hex(ticket), {
        orgId,
        nodeId,
        userId: requestingUser(c).id,
        expiresAt,
      });
      const url =
        deps.gatewaySocketUrl?.(nodeId) ?? socketUrlOf(deps.config.publicUrl ?? new URL(c.req.url).origin, nodeId);
      return c.json({ ticket, url, expiresAt: new Date(expiresAt * 1000).toISOString() }, 201);
    },
  );
}

function socketUrlOf(origin: string, nodeId: string): string {
  return `${origin.replace(/^http/, 'ws')}/rpc/${nodeId}`;
}
