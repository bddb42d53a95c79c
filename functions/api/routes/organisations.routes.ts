/**
 * Organisations (tenants): create, list mine, get; and the operators' list of every organisation.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { newId } from '../../../shared/domain/ids.ts';
import type { Organisation, Role } from '../../../shared/domain/organisation.ts';
import { OrgId } from '../../../shared/schemas/common.schemas.ts';
import {
  CreateOrganisation,
  OrganisationList,
  OrganisationView,
} from '../../../shared/schemas/organisation.schemas.ts';
import { resolveOrgAccess } from '../../services/access/org-access.ts';
import { accessGuards, audit, operatorOnly, signedIn, userOnly } from '../access.ts';
import type { GuardDeps, RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonBody, jsonResponse, security, userSecurity } from '../route-helpers.ts';

export function toOrganisationView(org: Organisation, role?: Role) {
  return { id: org.id, name: org.name, type: org.type, country: org.country, createdAt: org.createdAt, role };
}

export type OrganisationRouteDeps = RouteDeps<'clock' | GuardDeps, 'organisations' | 'audit'>;

export function registerOrganisationRoutes(app: OpenAPIHono<AppEnv>, deps: OrganisationRouteDeps) {
  const { orgAccess } = accessGuards(deps);
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs',
      tags: ['organisations'],
      summary: 'Create an organisation; you become its owner',
      security: userSecurity,
      middleware: userOnly,
      request: jsonBody(CreateOrganisation),
      responses: { 201: jsonResponse(OrganisationView, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const user = c.var.user;
      const body = c.req.valid('json');
      const now = deps.clock().toISOString();
      const org = await deps.stores.organisations.create(
        {
          id: newId('org'),
          name: body.name,
          type: body.type,
          country: body.country,
          createdAt: now,
          createdBy: user.id,
        },
        { userId: user.id, email: user.email, name: user.name, joinedAt: now },
      );
      await audit(c, deps, {
        orgId: org.id,
        actor: { type: 'user', id: user.id },
        action: 'organisation.created',
        target: org.id,
        details: { name: org.name, type: org.type, country: org.country },
      });
      return c.json(toOrganisationView(org, 'owner'), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs',
      tags: ['organisations'],
      summary: 'Organisations you belong to (an API key sees its own)',
      security,
      middleware: signedIn,
      responses: { 200: jsonResponse(OrganisationList, 'Your organisations'), ...errorResponses },
    }),
    async (c) => {
      const principal = c.get('principal');
      if (principal?.kind !== 'user') {
        // An API key sees its own organisation.
        const access = await resolveOrgAccess(deps.stores.organisations, principal, principal?.apiKey.orgId ?? '', {
          role: 'viewer',
        });
        return c.json({ items: [toOrganisationView(access.org)] }, 200);
      }
      const memberships = await deps.stores.organisations.membershipsOf(principal.user.id);
      const orgs = await Promise.all(memberships.map((m) => deps.stores.organisations.get(m.orgId)));
      const items = memberships.flatMap((m, i) => {
        const org = orgs[i];
        return org ? [toOrganisationView(org, m.role)] : [];
      });
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}',
      tags: ['organisations'],
      summary: 'One organisation',
      security,
      middleware: orgAccess('viewer'),
      request: { params: z.object({ orgId: OrgId }) },
      responses: { 200: jsonResponse(OrganisationView, 'The organisation'), ...errorResponses },
    }),
    async (c) => {
      const access = c.var.access;
      return c.json(toOrganisationView(access.org, access.actor.type === 'user' ? access.role : undefined), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/ops/orgs',
      tags: ['operations'],
      summary: 'Every organisation (CareChain operators only)',
      security: userSecurity,
      middleware: operatorOnly,
      responses: { 200: jsonResponse(OrganisationList, 'All organisations, oldest first'), ...errorResponses },
    }),
    async (c) => {
      const orgs = await deps.stores.organisations.listAll();
      return c.json({ items: orgs.map((org) => toOrganisationView(org)) }, 200);
    },
  );
}
