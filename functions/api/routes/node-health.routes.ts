/**
 * Health and SLA for members: a node's probe samples and daily uptime, the organisation's signed monthly SLA
 * report (JSON, or CSV with `Accept: text/csv`), and the platform's public signing address that reports verify
 * against. Another organisation's node or report answers 404 like any missing one.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { HealthSample } from '../../../shared/domain/health.ts';
import { availabilityPercent, windowView } from '../../../shared/domain/sla.ts';
import { NotFoundError, ValidationError } from '../../../shared/errors.ts';
import { NodeId, OrgId } from '../../../shared/schemas/common.schemas.ts';
import {
  NodeHealthQuery,
  NodeHealthView,
  PlatformView,
  SignedSlaReport,
  SlaMonthQuery,
} from '../../../shared/schemas/health.schemas.ts';
import type { UptimeRollup } from '../../../shared/store/health.repository.ts';
import { accessGuards, inTenant } from '../access.ts';
import type { GuardDeps, NodeHealthServices, RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { prefersCsv } from '../csv.ts';
import { errorResponses, jsonResponse, security } from '../route-helpers.ts';
import { renderSlaCsv } from '../sla-csv.ts';

const DEFAULT_RANGE_MS = 3_600_000;
const MAX_RANGE_MS = 31 * 86_400_000;

export type NodeHealthRouteDeps = RouteDeps<'clock' | GuardDeps, 'organisations' | 'nodes'>;

export function registerNodeHealthRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: NodeHealthRouteDeps,
  services: NodeHealthServices,
) {
  const { orgAccess } = accessGuards(deps);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/nodes/{nodeId}/health',
      tags: ['nodes'],
      summary: 'A node’s health: current state, probe samples (newest first) and daily uptime',
      description:
        'Samples are kept 90 days. `from`/`to` default to the last hour and may span at most 31 days; samples come ' +
        'a page at a time (`limit`, `cursor`), uptime covers every UTC day the range touches.',
      security,
      middleware: orgAccess('viewer'),
      request: { params: z.object({ orgId: OrgId, nodeId: NodeId }), query: NodeHealthQuery },
      responses: { 200: jsonResponse(NodeHealthView, 'The node’s health'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, nodeId } = c.req.valid('param');
      const query = c.req.valid('query');
      const node = await inTenant(c, deps).stores.nodes.get(orgId, nodeId);
      if (!node || node.state === 'terminated') throw new NotFoundError('No such node');
      const to = query.to ? Date.parse(query.to) : deps.clock().getTime();
      const from = query.from ? Date.parse(query.from) : to - DEFAULT_RANGE_MS;
      if (from >= to)
        throw new ValidationError('`from` must be before `to`', [{ path: 'query.from', message: 'after to' }]);
      if (to - from > MAX_RANGE_MS) {
        throw new ValidationError('The range may span at most 31 days', [{ path: 'query.from', message: 'too early' }]);
      }
      const [page, days] = await Promise.all([
        services.health.listSamples(nodeId, iso(from), iso(to), {
          limit: query.limit ?? 500,
          ...(query.cursor !== undefined && { cursor: query.cursor }),
          newestFirst: true,
        }),
        services.slaReports.uptime(node, { start: from, end: to }),
      ]);
      return c.json(
        {
          nodeId,
          health: node.health ?? null,
          healthReason: node.healthReason ?? null,
          healthChangedAt: node.healthChangedAt ?? null,
          from: iso(from),
          to: iso(to),
          samples: page.items.map(sampleView),
          nextCursor: page.cursor ?? null,
          uptime: days.map(uptimeView),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/sla-reports',
      tags: ['sla'],
      summary: 'The organisation’s SLA report for a month, signed by the platform key',
      description:
        'JSON: `{ report, payload, signature, signer }`, where `payload` is the canonical JSON of `report` (sorted ' +
        'keys, no whitespace) and `ethers.verifyMessage(payload, signature)` returns `signer`, the address published ' +
        'at `GET /v1/platform`. The current month is reported to date (`final: false`). Send `Accept: text/csv` for ' +
        'a spreadsheet (unsigned; the JSON is authoritative).',
      security,
      middleware: orgAccess('viewer'),
      request: { params: z.object({ orgId: OrgId }), query: SlaMonthQuery },
      responses: {
        200: {
          content: {
            'application/json': { schema: SignedSlaReport },
            'text/csv': { schema: z.string().openapi({ description: 'One row per node and per downtime window' }) },
          },
          description: 'The report',
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const { month } = c.req.valid('query');
      const signed = await services.slaReports.reportFor(orgId, month);
      if (prefersCsv(c.req.header('accept'))) {
        return c.body(renderSlaCsv(signed.report), 200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="carechain-sla-${orgId}-${month}.csv"`,
        });
      }
      return c.json(signed, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/platform',
      tags: ['platform'],
      summary: 'The platform’s public facts: the address that signs SLA and data-protection reports',
      responses: { 200: jsonResponse(PlatformView, 'The platform') },
    }),
    async (c) =>
      c.json(
        {
          name: services.platformName ?? 'CareChain',
          signingAddress: await services.platformAddress(),
          signatureScheme: 'EIP-191' as const,
          verification:
            'ethers.verifyMessage(payload, signature) === signingAddress for every SLA and data-protection report',
        },
        200,
      ),
  );
}

function sampleView(sample: HealthSample) {
  return {
    at: sample.at,
    health: sample.health,
    reason: sample.reason,
    rpcOk: sample.rpcOk,
    latencyMs: sample.latencyMs ?? null,
    blockNumber: sample.blockNumber ?? null,
    headAdvancing: sample.headAdvancing,
    syncing: sample.syncing === undefined ? null : sample.syncing !== false,
    peerCount: sample.peerCount ?? null,
    liveness: sample.liveness ?? null,
    readiness: sample.readiness ?? null,
    consecutiveFailures: sample.consecutiveFailures,
    recovery: sample.recovery
      ? { attempt: sample.recovery.attempt, outcome: sample.recovery.outcome, error: sample.recovery.error ?? null }
      : null,
  };
}

function uptimeView(day: UptimeRollup) {
  const coveredMs = Date.parse(day.coveredUntil) - Date.parse(`${day.day}T00:00:00.000Z`);
  return {
    day: day.day,
    complete: day.complete,
    coveredUntil: day.coveredUntil,
    samples: day.samples,
    rpcDowntimeMs: day.rpcDowntimeMs,
    blockDowntimeMs: day.blockDowntimeMs,
    rpcAvailabilityPercent: availabilityPercent(coveredMs - day.rpcDowntimeMs, coveredMs),
    blockProductionPercent: availabilityPercent(coveredMs - day.blockDowntimeMs, coveredMs),
    rpcDowntime: day.rpcDowntime.map(windowView),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
