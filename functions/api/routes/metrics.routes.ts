/**
 * `GET /metrics`: the control plane's Prometheus metrics (docs/architecture.md). In AWS only CareChain
 * operators may read them (sign in, send the session token); locally the server listens on this machine, and the
 * endpoint is open to whoever can reach it, as a local Prometheus expects.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppMetrics } from '../../../shared/observability/metrics.ts';
import { operatorOnly } from '../access.ts';
import type { RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, userSecurity } from '../route-helpers.ts';

export type MetricsRouteDeps = RouteDeps<'config'>;

export function registerMetricsRoute(app: OpenAPIHono<AppEnv>, deps: MetricsRouteDeps, metrics: AppMetrics) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['platform'],
      summary: 'Prometheus metrics (CareChain operators only in AWS)',
      description:
        'The fleet by state, health, runtime and hosting, read at scrape time. The local server adds its requests by ' +
        'route and status and its process figures; in AWS those are CloudWatch’s (API Gateway and Lambda metrics), ' +
        'since a scrape reaches one of many short-lived containers.',
      security: userSecurity,
      middleware: deps.config.mode === 'aws' ? [operatorOnly] : [],
      responses: {
        200: {
          description: 'Prometheus text exposition format',
          content: { 'text/plain': { schema: z.string() } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { contentType, body } = await metrics.render();
      return c.text(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
    },
  );
}
