/**
 * Announced maintenance of a network (functions/services/maintenance/): everyone signed in sees a network's
 * windows; only CareChain operators announce or cancel them.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { maintenanceStatus } from '../../../shared/domain/sla.ts';
import { lazyOnce } from '../../../shared/lazy-once.ts';
import { MaintenanceWindowId, NetworkId } from '../../../shared/schemas/common.schemas.ts';
import {
  CreateMaintenanceWindow,
  MaintenanceQuery,
  MaintenanceWindowList,
  MaintenanceWindowView,
} from '../../../shared/schemas/health.schemas.ts';
import type { HealthRepository, MaintenanceWindow } from '../../../shared/store/health.repository.ts';
import { operatorOnly, signedIn, userAuthor } from '../access.ts';
import type { RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonBody, jsonResponse, security, userSecurity } from '../route-helpers.ts';

const WindowParams = z.object({ networkId: NetworkId, windowId: MaintenanceWindowId });

export type MaintenanceRouteDeps = RouteDeps<'clock', 'networks' | 'audit'>;

export function registerMaintenanceRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: MaintenanceRouteDeps,
  health: HealthRepository,
) {
  // The service loads at the first request for it (operators' work, rare beside the API's other requests).
  const maintenance = lazyOnce(
    async () =>
      new (await import('../../services/maintenance/maintenance.service.ts')).MaintenanceService({ ...deps, health }),
  );
  const view = (window: MaintenanceWindow) => ({
    ...window,
    status: maintenanceStatus(window, deps.clock().getTime()),
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{networkId}/maintenance-windows',
      tags: ['health'],
      summary: 'Announce maintenance of a network (CareChain operators only)',
      description:
        'The window is left out of SLA availability. It must start now or later (no window is announced ' +
        'after the fact), last at most 12 hours, and not overlap another window of the network.',
      security: userSecurity,
      middleware: operatorOnly,
      request: { params: z.object({ networkId: NetworkId }), ...jsonBody(CreateMaintenanceWindow) },
      responses: { 201: jsonResponse(MaintenanceWindowView, 'Announced'), ...errorResponses },
    }),
    async (c) => {
      const window = await (await maintenance()).announce(
        userAuthor(c),
        c.req.valid('param').networkId,
        c.req.valid('json'),
      );
      return c.json(view(window), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/maintenance-windows',
      tags: ['health'],
      summary: 'Maintenance of a network: recent, under way and upcoming',
      security,
      middleware: signedIn,
      request: { params: z.object({ networkId: NetworkId }), query: MaintenanceQuery },
      responses: { 200: jsonResponse(MaintenanceWindowList, 'Windows, earliest first'), ...errorResponses },
    }),
    async (c) => {
      const windows = await (await maintenance()).list(c.req.valid('param').networkId, c.req.valid('query'));
      return c.json({ items: windows.map(view) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/networks/{networkId}/maintenance-windows/{windowId}',
      tags: ['health'],
      summary: 'Cancel maintenance that has not started (CareChain operators only)',
      security: userSecurity,
      middleware: operatorOnly,
      request: { params: WindowParams },
      responses: { 204: { description: 'Cancelled' }, ...errorResponses },
    }),
    async (c) => {
      const { networkId, windowId } = c.req.valid('param');
      await (await maintenance()).cancel(userAuthor(c), networkId, windowId);
      return c.body(null, 204);
    },
  );
}
