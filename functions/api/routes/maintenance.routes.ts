/**
 * Announced maintenance of a network: time CareChain operators set aside ahead, which SLA reports leave out of
 * availability (DESIGN.md, "Health, recovery, SLA"). Everyone signed in sees a network's windows; only operators
 * announce or cancel them.
 *
 * The SLA record must not be rewritten after the fact: a window is announced before it starts, and only a window
 * that has not started can be cancelled. Windows of one network do not overlap, and one lasts at most 12 hours.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError } from '../../../shared/errors.ts';
import { idParam } from '../../../shared/schemas/common.schemas.ts';
import {
  CreateMaintenanceWindow,
  MaintenanceQuery,
  MaintenanceWindowList,
  MaintenanceWindowView,
} from '../../../shared/schemas/health.schemas.ts';
import type { HealthRepository, MaintenanceWindow } from '../../../shared/store/health.repository.ts';
import { audit, requireOperator } from '../access.ts';
import type { AppDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonBody, jsonResponse, security, userSecurity } from '../route-helpers.ts';
import { NetworkId } from './networks.routes.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const MAX_MAINTENANCE_MS = 12 * HOUR_MS;
/** How far ahead a window may be announced. */
const MAX_LEAD_MS = 366 * DAY_MS;
/** Clock skew allowed for a window announced to start "now". */
const START_TOLERANCE_MS = 60_000;

const WindowParams = z.object({
  networkId: NetworkId,
  windowId: idParam('maintenanceWindow', 'mw_a2b3c4d5e6f7g2h3i4j5'),
});

export function registerMaintenanceRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps, health: HealthRepository) {
  const findNetwork = async (networkId: string) => {
    const network = await deps.stores.networks.get(networkId);
    if (!network) throw new NotFoundError('No such network');
    return network;
  };
  const view = (window: MaintenanceWindow) => toView(window, deps.clock().getTime());

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
      request: { params: z.object({ networkId: NetworkId }), ...jsonBody(CreateMaintenanceWindow) },
      responses: { 201: jsonResponse(MaintenanceWindowView, 'Announced'), ...errorResponses },
    }),
    async (c) => {
      const operator = requireOperator(c);
      const { networkId } = c.req.valid('param');
      const body = c.req.valid('json');
      const network = await findNetwork(networkId);
      const now = deps.clock().getTime();
      const start = Date.parse(body.start);
      const end = Date.parse(body.end);
      if (start < now - START_TOLERANCE_MS) {
        throw new ValidationError('Maintenance is announced before it starts', [
          { path: 'body.start', message: 'in the past' },
        ]);
      }
      if (start > now + MAX_LEAD_MS) {
        throw new ValidationError('Maintenance is announced at most a year ahead', [
          { path: 'body.start', message: 'too far ahead' },
        ]);
      }
      if (end <= start) {
        throw new ValidationError('The window must end after it starts', [
          { path: 'body.end', message: 'not after start' },
        ]);
      }
      if (end - start > MAX_MAINTENANCE_MS) {
        throw new ValidationError('A maintenance window lasts at most 12 hours', [
          { path: 'body.end', message: 'longer than 12 hours' },
        ]);
      }
      const startIso = new Date(start).toISOString();
      const endIso = new Date(end).toISOString();
      const overlapping = await health.listMaintenanceWindows(network.id, startIso, endIso);
      if (overlapping.length > 0) {
        throw new ConflictError(`The window overlaps maintenance ${overlapping[0]?.id} of this network`);
      }
      const window = await health.addMaintenanceWindow({
        networkId: network.id,
        start: startIso,
        end: endIso,
        description: body.description,
      });
      await audit(c, deps, {
        orgId: PLATFORM_ORG_ID,
        actor: { type: 'user', id: operator.id },
        action: 'maintenance.announced',
        target: `${network.id}/maintenance-windows/${window.id}`,
        details: { networkId: network.id, start: window.start, end: window.end },
      });
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
      request: { params: z.object({ networkId: NetworkId }), query: MaintenanceQuery },
      responses: { 200: jsonResponse(MaintenanceWindowList, 'Windows, earliest first'), ...errorResponses },
    }),
    async (c) => {
      if (!c.get('principal')) throw new UnauthorizedError('Log in or send a bearer token');
      const { networkId } = c.req.valid('param');
      const query = c.req.valid('query');
      const network = await findNetwork(networkId);
      const now = deps.clock().getTime();
      const from = query.from ? Date.parse(query.from) : now - 31 * DAY_MS;
      const to = query.to ? Date.parse(query.to) : now + MAX_LEAD_MS;
      if (from >= to)
        throw new ValidationError('`from` must be before `to`', [{ path: 'query.from', message: 'after to' }]);
      const windows = await health.listMaintenanceWindows(
        network.id,
        new Date(from).toISOString(),
        new Date(to).toISOString(),
      );
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
      request: { params: WindowParams },
      responses: { 204: { description: 'Cancelled' }, ...errorResponses },
    }),
    async (c) => {
      const operator = requireOperator(c);
      const { networkId, windowId } = c.req.valid('param');
      await findNetwork(networkId);
      const window = await health.getMaintenanceWindow(networkId, windowId);
      if (!window) throw new NotFoundError('No such maintenance window');
      if (Date.parse(window.start) <= deps.clock().getTime()) {
        throw new ConflictError('Maintenance that has started is part of the SLA record and stays');
      }
      await health.removeMaintenanceWindow(window);
      await audit(c, deps, {
        orgId: PLATFORM_ORG_ID,
        actor: { type: 'user', id: operator.id },
        action: 'maintenance.cancelled',
        target: `${networkId}/maintenance-windows/${window.id}`,
        details: { networkId, start: window.start, end: window.end },
      });
      return c.body(null, 204);
    },
  );
}

function toView(window: MaintenanceWindow, now: number) {
  const status =
    Date.parse(window.end) <= now ? 'past' : Date.parse(window.start) <= now ? 'under-way' : ('upcoming' as const);
  return { ...window, status } as const;
}
