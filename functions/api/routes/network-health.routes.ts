/**
 * Network health (functions/services/fleet/): everyone signed in sees a network's state, its history and its
 * incidents; CareChain operators restart its validators and cancel a scheduled restart.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFoundError } from '../../../shared/errors.ts';
import { lazyOnce } from '../../../shared/lazy-once.ts';
import { NetworkId } from '../../../shared/schemas/common.schemas.ts';
import {
  IncidentId,
  IncidentView,
  NetworkHealthHistory,
  NetworkHealthQuery,
  NetworkHealthView,
  RecoveryRequest,
  RecoveryResult,
} from '../../../shared/schemas/fleet.schemas.ts';
import type { NetworkFleet } from '../../services/fleet/network-fleet.ts';
import { callerIsOperator, operatorOnly, signedIn, userAuthor } from '../access.ts';
import type { RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { historyItem, incidentView, networkHealthView } from '../fleet-views.ts';
import { errorResponses, jsonBody, jsonResponse, security, userSecurity } from '../route-helpers.ts';

const Params = z.object({ networkId: NetworkId });
const HOUR_MS = 3_600_000;

export type NetworkHealthRouteDeps = RouteDeps<'clock', 'networks' | 'networkHealth' | 'audit'>;

export function registerNetworkHealthRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: NetworkHealthRouteDeps,
  fleet: NetworkFleet,
) {
  // The service loads at the first request for it (operators' work, rare beside the API's other requests).
  const recovery = lazyOnce(
    async () => new (await import('../../services/fleet/stall-recovery.ts')).StallRecovery({ ...deps, fleet }),
  );
  const network = async (networkId: string) => {
    const found = await deps.stores.networks.get(networkId);
    if (!found) throw new NotFoundError('No such network');
    return found;
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/health',
      tags: ['fleet'],
      summary: 'A network’s state: producing, slow, stalled, below-quorum (or unknown), its head and validators',
      security,
      middleware: signedIn,
      request: { params: Params },
      responses: { 200: jsonResponse(NetworkHealthView, 'The latest look at the network'), ...errorResponses },
    }),
    async (c) => {
      const { id } = await network(c.req.valid('param').networkId);
      const [sample, open] = await Promise.all([
        deps.stores.networkHealth.latestSample(id),
        deps.stores.networkHealth.openIncident(id),
      ]);
      return c.json(networkHealthView(id, sample, open, deps.clock().getTime(), callerIsOperator(c)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/health/history',
      tags: ['fleet'],
      summary: 'A network’s health over the last hours (block times, states) and its incidents',
      security,
      middleware: signedIn,
      request: { params: Params, query: NetworkHealthQuery },
      responses: {
        200: jsonResponse(NetworkHealthHistory, 'Samples, oldest first; incidents, newest first'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = await network(c.req.valid('param').networkId);
      const now = deps.clock().getTime();
      const from = new Date(now - (c.req.valid('query').hours ?? 6) * HOUR_MS).toISOString();
      const [samples, incidents] = await Promise.all([
        deps.stores.networkHealth.samples(id, from, new Date(now + 1).toISOString(), 2_000),
        deps.stores.networkHealth.incidents(id, 20),
      ]);
      const operator = callerIsOperator(c);
      return c.json(
        {
          items: samples.reverse().map(historyItem),
          incidents: incidents.map((incident) => incidentView(incident, now, operator)),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{networkId}/recovery',
      tags: ['fleet'],
      summary: 'Restart the network’s validators now (CareChain operators only)',
      description:
        '`all-validators` restarts every validator the platform runs at the same time, Besu’s remedy for a stalled ' +
        'QBFT network; it is refused (409) while fewer than a quorum of validators are live, naming the ones down. ' +
        '`down-validators` restarts only those. In AWS an EC2 node’s restart is queued to the reconciler, which ' +
        'reboots it within seconds: `restarted` lists the restarts queued, `failures` those that could not be.',
      security: userSecurity,
      middleware: operatorOnly,
      request: { params: Params, ...jsonBody(RecoveryRequest) },
      responses: { 200: jsonResponse(RecoveryResult, 'What was restarted'), ...errorResponses },
    }),
    async (c) => {
      const { networkId } = c.req.valid('param');
      const result = await (await recovery()).operatorRestart(userAuthor(c), networkId, c.req.valid('json').scope);
      return c.json({ restarted: [...result.restarted], failures: [...result.failures] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{networkId}/incidents/{incidentId}/cancel-restart',
      tags: ['fleet'],
      summary: 'Cancel the automatic restart an incident has scheduled (CareChain operators only)',
      security: userSecurity,
      middleware: operatorOnly,
      request: { params: z.object({ networkId: NetworkId, incidentId: IncidentId }) },
      responses: { 200: jsonResponse(IncidentView, 'The incident'), ...errorResponses },
    }),
    async (c) => {
      const { networkId, incidentId } = c.req.valid('param');
      const incident = await (await recovery()).cancel(userAuthor(c), networkId, incidentId);
      return c.json(incidentView(incident, deps.clock().getTime(), true), 200);
    },
  );
}
