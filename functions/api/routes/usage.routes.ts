/**
 * Metered usage of an organisation per meter, by hour or by day: what it will be billed for.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { usageSeries } from '../../../shared/metering/usage-series.ts';
import { OrgId } from '../../../shared/schemas/common.schemas.ts';
import { UsageQuery, UsageView } from '../../../shared/schemas/usage.schemas.ts';
import { accessGuards, inTenant } from '../access.ts';
import type { GuardDeps, RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonResponse, security } from '../route-helpers.ts';

export type UsageRouteDeps = RouteDeps<'clock' | 'usageRecords' | GuardDeps, 'organisations'>;

export function registerUsageRoutes(app: OpenAPIHono<AppEnv>, deps: UsageRouteDeps) {
  const { orgAccess } = accessGuards(deps);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/usage',
      tags: ['usage'],
      summary: 'Usage per meter (compute units, RPC calls, API requests, signatures, node-hours)',
      description:
        'Values are in each meter’s recorded unit (node_hours in node-seconds). Recent hours are exact up to the ' +
        'last flush (a few seconds).',
      security,
      middleware: orgAccess('viewer'),
      request: { params: z.object({ orgId: OrgId }), query: UsageQuery },
      responses: { 200: jsonResponse(UsageView, 'Per-meter series'), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const query = c.req.valid('query');
      const now = deps.clock();
      const from = query.from ? new Date(query.from) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
      const to = query.to ? new Date(query.to) : now;
      const series = await usageSeries(inTenant(c, deps).usageRecords, orgId, from, to, query.granularity, deps.clock);
      return c.json(series, 200);
    },
  );
}
