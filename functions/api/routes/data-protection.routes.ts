/**
 * The personal-data guard as an organisation sees it (functions/services/data-protection/): its own patterns for
 * patient ids, its exemptions (asked for here, decided by operators), and the signed monthly data-protection report
 * (JSON, or CSV with `Accept: text/csv`). Another organisation's anything answers 404 like a missing one.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Exemption } from '../../../shared/domain/data-protection.ts';
import { ServiceUnavailableError } from '../../../shared/errors.ts';
import { lazyOnce } from '../../../shared/lazy-once.ts';
import { OrgId } from '../../../shared/schemas/common.schemas.ts';
import {
  ExemptionList,
  ExemptionView,
  OrgPatternsView,
  RequestExemption,
  SetOrgPatterns,
  SignedDataProtectionReport,
} from '../../../shared/schemas/data-protection.schemas.ts';
import { SlaMonthQuery } from '../../../shared/schemas/health.schemas.ts';
import type { OrgPatterns } from '../../../shared/store/data-protection.repository.ts';
import { DataProtectionSettings } from '../../services/data-protection/data-protection-settings.service.ts';
import { accessGuards, orgAuthor } from '../access.ts';
import type { RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { prefersCsv } from '../csv.ts';
import { errorResponses, jsonBody, jsonResponse, security } from '../route-helpers.ts';

export function toExemptionView(exemption: Exemption) {
  return {
    id: exemption.id,
    orgId: exemption.orgId,
    networkId: exemption.networkId,
    contract: exemption.contract,
    detector: exemption.detector,
    reason: exemption.reason,
    state: exemption.state,
    requestedAt: exemption.requestedAt,
    decidedAt: exemption.decidedAt ?? null,
    decisionNote: exemption.decisionNote ?? null,
  };
}

const patternsView = (patterns: OrgPatterns) => ({
  patterns: patterns.patterns.map(({ id, name, pattern }) => ({ id, name, pattern })),
  updatedAt: patterns.updatedAt ?? null,
});

export type DataProtectionRouteDeps = RouteDeps<
  'clock' | 'dataProtection' | 'tenancy',
  'organisations' | 'audit' | 'dataProtection' | 'networks' | 'nodes'
>;

export function registerDataProtectionRoutes(app: OpenAPIHono<AppEnv>, deps: DataProtectionRouteDeps) {
  const { orgAccess } = accessGuards(deps);
  const settings = new DataProtectionSettings({ ...deps, inspector: deps.dataProtection.inspector });
  const { reportSigner } = deps.dataProtection;
  // The report service and its CSV writer load with the first report asked for.
  const reports =
    reportSigner &&
    lazyOnce(async () => {
      const [{ DataProtectionReportService }, { renderDataProtectionCsv }] = await Promise.all([
        import('../../services/data-protection/data-protection-report.service.ts'),
        import('../data-protection-csv.ts'),
      ]);
      return { service: new DataProtectionReportService({ ...deps, signer: reportSigner }), renderDataProtectionCsv };
    });
  const params = z.object({ orgId: OrgId });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/data-protection/patterns',
      tags: ['data-protection'],
      summary: 'The organisation’s own patterns for patient ids, which the personal-data guard also looks for',
      security,
      middleware: orgAccess('viewer'),
      request: { params },
      responses: { 200: jsonResponse(OrgPatternsView, 'The patterns'), ...errorResponses },
    }),
    async (c) => c.json(patternsView(await settings.patterns(c.req.valid('param').orgId)), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/orgs/{orgId}/data-protection/patterns',
      tags: ['data-protection'],
      summary: 'Replace the organisation’s patterns (RE2 syntax; refused if a pattern cannot run or matches nothing)',
      description:
        'Patterns run in linear time (RE2: no backreferences or lookaround) on everything the organisation sends ' +
        'through the gateway and signs through the API. A pattern matching empty text is refused.',
      security,
      middleware: orgAccess('admin'),
      request: { params, ...jsonBody(SetOrgPatterns) },
      responses: { 200: jsonResponse(OrgPatternsView, 'Saved'), ...errorResponses },
    }),
    async (c) => {
      const saved = await settings.setPatterns(orgAuthor(c), c.req.valid('param').orgId, c.req.valid('json'));
      return c.json(patternsView(saved), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/data-protection/exemptions',
      tags: ['data-protection'],
      summary: 'The organisation’s exemptions, oldest first: asked for, approved, rejected, revoked',
      security,
      middleware: orgAccess('viewer'),
      request: { params },
      responses: { 200: jsonResponse(ExemptionList, 'Exemptions'), ...errorResponses },
    }),
    async (c) => c.json({ items: (await settings.exemptions(c.req.valid('param').orgId)).map(toExemptionView) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/data-protection/exemptions',
      tags: ['data-protection'],
      summary: 'Ask for an exemption: one contract on one network may carry what one detector finds',
      description:
        'A CareChain operator approves or rejects it; until approved nothing changes. Approved exemptions apply ' +
        'to this organisation’s transactions to that contract only, and appear in the data-protection report.',
      security,
      middleware: orgAccess('developer'),
      request: { params, ...jsonBody(RequestExemption) },
      responses: { 201: jsonResponse(ExemptionView, 'Asked for'), ...errorResponses },
    }),
    async (c) => {
      const exemption = await settings.requestExemption(orgAuthor(c), c.req.valid('param').orgId, c.req.valid('json'));
      return c.json(toExemptionView(exemption), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/data-protection-report',
      tags: ['data-protection'],
      summary: 'The organisation’s data-protection report for a month, signed by the platform key',
      description:
        'JSON: `{ report, payload, signature, signer }`, where `payload` is the canonical JSON of `report` and ' +
        '`ethers.verifyMessage(payload, signature)` returns `signer`, the address at `GET /v1/platform`. Counts ' +
        'blocks and flags by detector, outcome and channel, with the policies in force, the organisation’s ' +
        'patterns and its exemptions; never a value found. Send `Accept: text/csv` for a spreadsheet (unsigned).',
      security,
      middleware: orgAccess('viewer'),
      request: { params, query: SlaMonthQuery },
      responses: {
        200: {
          content: {
            'application/json': { schema: SignedDataProtectionReport },
            'text/csv': { schema: z.string().openapi({ description: 'Counts, policies, patterns, exemptions' }) },
          },
          description: 'The report',
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      if (!reports)
        throw new ServiceUnavailableError('Reports are not signed here: the platform key is not configured');
      const { orgId } = c.req.valid('param');
      const { month } = c.req.valid('query');
      const { service, renderDataProtectionCsv } = await reports();
      const signed = await service.reportFor(orgId, month);
      if (prefersCsv(c.req.header('accept'))) {
        return c.body(renderDataProtectionCsv(signed.report), 200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="carechain-data-protection-${orgId}-${month}.csv"`,
        });
      }
      return c.json(signed, 200);
    },
  );
}
