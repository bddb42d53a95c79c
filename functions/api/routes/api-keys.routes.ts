/**
 * API keys of an organisation: the secret is shown once at creation; only its hash and a visible prefix stay.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { newSecret, sha256Hex } from '../../../shared/auth/secrets.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { ApiKey } from '../../../shared/domain/organisation.ts';
import { NotFoundError } from '../../../shared/errors.ts';
import { ApiKeyId, OrgId } from '../../../shared/schemas/common.schemas.ts';
import { ApiKeyList, CreateApiKey, CreatedApiKey } from '../../../shared/schemas/organisation.schemas.ts';
import { accessGuards, audit, inTenant } from '../access.ts';
import type { GuardDeps, RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { API_KEY_PREFIX } from '../middleware/authentication.ts';
import { errorResponses, jsonBody, jsonResponse, noContent, userSecurity } from '../route-helpers.ts';

/** Characters of the secret kept visible: the `cck_` prefix and 8 more. */
const VISIBLE_PREFIX_LENGTH = 12;

export function toApiKeyView(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: [...key.scopes],
    status: key.status,
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt ?? null,
    revokedAt: key.revokedAt ?? null,
  };
}

export type ApiKeyRouteDeps = RouteDeps<'clock' | GuardDeps, 'organisations' | 'audit' | 'apiKeys'>;

export function registerApiKeyRoutes(app: OpenAPIHono<AppEnv>, deps: ApiKeyRouteDeps) {
  const { orgAccess } = accessGuards(deps);
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/api-keys',
      tags: ['api-keys'],
      summary: 'Create an API key (the secret is shown only in this response)',
      security: userSecurity,
      middleware: orgAccess('developer', { usersOnly: true }),
      request: { params: z.object({ orgId: OrgId }), ...jsonBody(CreateApiKey) },
      responses: { 201: jsonResponse(CreatedApiKey, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      const access = c.var.access;
      const tenant = inTenant(c, deps);
      const secret = newSecret(API_KEY_PREFIX);
      const key = await tenant.stores.apiKeys.create(
        {
          id: newId('apiKey'),
          orgId,
          name: body.name,
          prefix: secret.slice(0, VISIBLE_PREFIX_LENGTH),
          scopes: body.scopes,
          status: 'active',
          createdAt: deps.clock().toISOString(),
          createdBy: access.actor.id,
          lastUsedAt: undefined,
          revokedAt: undefined,
        },
        sha256Hex(secret),
      );
      await audit(c, tenant, {
        orgId,
        actor: access.actor,
        action: 'api-key.created',
        target: key.id,
        details: { name: key.name, scopes: key.scopes, prefix: key.prefix },
      });
      return c.json({ ...toApiKeyView(key), secret }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/api-keys',
      tags: ['api-keys'],
      summary: 'API keys of the organisation (never their secrets)',
      security: userSecurity,
      middleware: orgAccess('viewer', { usersOnly: true }),
      request: { params: z.object({ orgId: OrgId }) },
      responses: { 200: jsonResponse(ApiKeyList, 'Keys'), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const items = await inTenant(c, deps).stores.apiKeys.list(orgId);
      return c.json({ items: items.map(toApiKeyView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/orgs/{orgId}/api-keys/{apiKeyId}',
      tags: ['api-keys'],
      summary: 'Revoke an API key (it stops working at once here, within 5 s on every API server)',
      security: userSecurity,
      middleware: orgAccess('developer', { usersOnly: true }),
      request: { params: z.object({ orgId: OrgId, apiKeyId: ApiKeyId }) },
      responses: { 204: noContent, ...errorResponses },
    }),
    async (c) => {
      const { orgId, apiKeyId: keyId } = c.req.valid('param');
      const access = c.var.access;
      const tenant = inTenant(c, deps);
      const existing = await tenant.stores.apiKeys.get(orgId, keyId);
      if (!existing) throw new NotFoundError('No such API key');
      await tenant.stores.apiKeys.revoke(orgId, keyId, deps.clock());
      if (existing.status === 'active') {
        await audit(c, tenant, { orgId, actor: access.actor, action: 'api-key.revoked', target: keyId });
      }
      return c.body(null, 204);
    },
  );
}
