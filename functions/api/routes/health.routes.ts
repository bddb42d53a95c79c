/**
 * Liveness of the control plane itself.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { jsonResponse } from '../route-helpers.ts';

const Health = z
  .object({ status: z.literal('ok'), mode: z.enum(['local', 'aws']), version: z.string(), time: z.string() })
  .openapi('Health');

export type HealthRouteDeps = RouteDeps<'config' | 'version' | 'clock'>;

export function registerHealthRoutes(app: OpenAPIHono<AppEnv>, deps: HealthRouteDeps) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      tags: ['platform'],
      summary: 'Control-plane liveness',
      responses: { 200: jsonResponse(Health, 'The control plane is up') },
    }),
    (c) =>
      c.json(
        {
          status: 'ok' as const,
          mode: deps.config.mode,
          version: deps.version ?? 'dev',
          time: deps.clock().toISOString(),
        },
        200,
      ),
  );
}
