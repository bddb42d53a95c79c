/**
 * The organisation's audit log, newest first.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { OrgId, PageQuery } from '../../../shared/schemas/common.schemas.ts';
import { AuditPage } from '../../../shared/schemas/organisation.schemas.ts';
import { accessGuards, inTenant } from '../access.ts';
import type { GuardDeps, RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonResponse, security } from '../route-helpers.ts';

export type AuditRouteDeps = RouteDeps<GuardDeps, 'organisations' | 'audit'>;

export function registerAuditRoutes(app: OpenAPIHono<AppEnv>, deps: AuditRouteDeps) {
  const { orgAccess } = accessGuards(deps);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/audit',
      tags: ['audit'],
      summary: 'Who changed what, and when (newest first)',
      security,
      middleware: orgAccess('viewer'),
      request: { params: z.object({ orgId: OrgId }), query: PageQuery },
      responses: { 200: jsonResponse(AuditPage, 'A page of audit entries'), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const query = c.req.valid('query');
      const page = await inTenant(c, deps).stores.audit.list(orgId, query);
      return c.json(
        {
          items: page.items.map((entry) => ({
            id: entry.id,
            at: entry.at,
            actor: entry.actor,
            action: entry.action,
            target: entry.target,
            requestId: entry.requestId ?? null,
            details: entry.details ?? null,
          })),
          nextCursor: page.cursor ?? null,
        },
        200,
      );
    },
  );
}
