/**
 * Metered usage of an organisation per meter, by hour or by day: what it will be billed for.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { METERS } from '../../../shared/domain/metering.ts';
import { usageSeries } from '../../../shared/metering/usage-series.ts';
import { OrgId, Timestamp } from '../../../shared/schemas/common.schemas.ts';
import { requireOrgAccess } from '../access.ts';
import type { AppDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonResponse, security } from '../route-helpers.ts';

const UsageQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Default: the start of this month (UTC)' }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Default: now' }),
  granularity: z.enum(['hour', 'day']).default('day'),
});

const Series = z.object({
  unit: z.string(),
  total: z.number(),
  points: z.array(z.object({ start: z.string(), value: z.number() })),
});

export const UsageView = z
  .object({
    orgId: z.string(),
    from: Timestamp,
    to: Timestamp,
    granularity: z.enum(['hour', 'day']),
    meters: z.object(
      Object.fromEntries(METERS.map((meter) => [meter, Series])) as Record<(typeof METERS)[number], typeof Series>,
    ),
  })
  .openapi('Usage');

export function registerUsageRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
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
      request: { params: z.object({ orgId: OrgId }), query: UsageQuery },
      responses: { 200: jsonResponse(UsageView, 'Per-meter series'), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const query = c.req.valid('query');
      await requireOrgAccess(c, deps, orgId, { role: 'viewer' });
      const now = deps.clock();
      const from = query.from ? new Date(query.from) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
      const to = query.to ? new Date(query.to) : now;
      const series = await usageSeries(deps.usageRecords, orgId, from, to, query.granularity, deps.clock);
      return c.json(series, 200);
    },
  );
}
