/**
 * Rolling Besu upgrades of a network (functions/services/fleet/upgrades.service.ts), CareChain operators only: plan
 * one (refused with the reason when unsafe), follow its progress, and pause, resume, roll back or cancel it.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { PlanCommand } from '../../../shared/domain/rolling-upgrade.ts';
import { lazyOnce } from '../../../shared/lazy-once.ts';
import { NetworkId } from '../../../shared/schemas/common.schemas.ts';
import {
  BesuReleaseInput,
  UpgradePlanId,
  UpgradePlanList,
  UpgradePlanView,
} from '../../../shared/schemas/fleet.schemas.ts';
import type { NetworkFleet } from '../../services/fleet/network-fleet.ts';
import { operatorOnly, userAuthor } from '../access.ts';
import type { RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { upgradePlanView } from '../fleet-views.ts';
import { errorResponses, jsonBody, jsonResponse, userSecurity } from '../route-helpers.ts';

const Params = z.object({ networkId: NetworkId });
const PlanParams = z.object({ networkId: NetworkId, planId: UpgradePlanId });

const COMMANDS: ReadonlyArray<{ command: PlanCommand; summary: string }> = [
  { command: 'pause', summary: 'Pause a running plan after the node under way' },
  { command: 'resume', summary: 'Resume a paused plan; the node that failed is tried again' },
  { command: 'roll-back', summary: 'Move the nodes the plan touched back to the release they ran, the last first' },
  { command: 'cancel', summary: 'Cancel a paused plan; nodes stay as they are' },
];

export type UpgradeRouteDeps = RouteDeps<'clock', 'networks' | 'upgrades' | 'audit'>;

export function registerUpgradeRoutes(app: OpenAPIHono<AppEnv>, deps: UpgradeRouteDeps, fleet: NetworkFleet) {
  // The service loads at the first request for it (operators' work, rare beside the API's other requests).
  const upgrades = lazyOnce(
    async () => new (await import('../../services/fleet/upgrades.service.ts')).UpgradeService({ ...deps, fleet }),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{networkId}/upgrades',
      tags: ['fleet'],
      summary: 'Plan a rolling Besu upgrade of the network (CareChain operators only)',
      description:
        'One node at a time, members first and validators last, never more validators down than the BFT margin ' +
        'allows. Refused (409) with the reason when the version step is one Besu’s changelog says may not be ' +
        'rolled, when another plan is under way, or when a node does not answer with its version.',
      security: userSecurity,
      middleware: operatorOnly,
      request: { params: Params, ...jsonBody(BesuReleaseInput) },
      responses: { 201: jsonResponse(UpgradePlanView, 'Planned; the runner starts it'), ...errorResponses },
    }),
    async (c) => {
      const plan = await (await upgrades()).plan(userAuthor(c), c.req.valid('param').networkId, c.req.valid('json'));
      return c.json(upgradePlanView(plan), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/upgrades',
      tags: ['fleet'],
      summary: 'The network’s upgrade plans, newest first (CareChain operators only)',
      security: userSecurity,
      middleware: operatorOnly,
      request: { params: Params },
      responses: { 200: jsonResponse(UpgradePlanList, 'Plans'), ...errorResponses },
    }),
    async (c) => {
      const plans = await (await upgrades()).list(c.req.valid('param').networkId);
      return c.json({ items: plans.map(upgradePlanView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/upgrades/{planId}',
      tags: ['fleet'],
      summary: 'One upgrade plan and its progress (CareChain operators only)',
      security: userSecurity,
      middleware: operatorOnly,
      request: { params: PlanParams },
      responses: { 200: jsonResponse(UpgradePlanView, 'The plan'), ...errorResponses },
    }),
    async (c) => {
      const { networkId, planId } = c.req.valid('param');
      return c.json(upgradePlanView(await (await upgrades()).get(networkId, planId)), 200);
    },
  );

  for (const { command, summary } of COMMANDS) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/networks/{networkId}/upgrades/{planId}/${command}`,
        tags: ['fleet'],
        summary: `${summary} (CareChain operators only)`,
        security: userSecurity,
        middleware: operatorOnly,
        request: { params: PlanParams },
        responses: { 200: jsonResponse(UpgradePlanView, 'The plan'), ...errorResponses },
      }),
      async (c) => {
        const { networkId, planId } = c.req.valid('param');
        return c.json(
          upgradePlanView(await (await upgrades()).command(userAuthor(c), networkId, planId, command)),
          200,
        );
      },
    );
  }
}
