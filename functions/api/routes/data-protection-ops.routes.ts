/**
 * The personal-data guard as operators run it (functions/services/data-protection/): each network's policy
 * (`block`, `flag`, `off`; everyone signed in may read it, only operators set it) and the exemptions members ask
 * for, which operators approve, reject or revoke. Every change is audited.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { ExemptionId, NetworkId } from '../../../shared/schemas/common.schemas.ts';
import {
  DataProtectionPolicyView,
  DecideExemption,
  ExemptionList,
  ExemptionQuery,
  ExemptionView,
  SetDataProtectionPolicy,
} from '../../../shared/schemas/data-protection.schemas.ts';
import type { DataProtectionPolicy } from '../../../shared/store/data-protection.repository.ts';
import { DataProtectionSettings } from '../../services/data-protection/data-protection-settings.service.ts';
import { operatorOnly, signedIn, userAuthor } from '../access.ts';
import type { RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonBody, jsonResponse, security, userSecurity } from '../route-helpers.ts';
import { toExemptionView } from './data-protection.routes.ts';

const policyView = (policy: DataProtectionPolicy) => ({
  networkId: policy.networkId,
  mode: policy.mode,
  isDefault: policy.version === 0,
  updatedAt: policy.updatedAt ?? null,
});

export type DataProtectionOpsRouteDeps = RouteDeps<'clock' | 'dataProtection', 'audit' | 'dataProtection' | 'networks'>;

export function registerDataProtectionOpsRoutes(app: OpenAPIHono<AppEnv>, deps: DataProtectionOpsRouteDeps) {
  const settings = new DataProtectionSettings({ ...deps, inspector: deps.dataProtection.inspector });
  const networkParams = z.object({ networkId: NetworkId });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/data-protection-policy',
      tags: ['data-protection'],
      summary: 'What the network does with personal data it is asked to write (default: block)',
      security,
      middleware: signedIn,
      request: { params: networkParams },
      responses: { 200: jsonResponse(DataProtectionPolicyView, 'The policy'), ...errorResponses },
    }),
    async (c) => c.json(policyView(await settings.policy(c.req.valid('param').networkId)), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/networks/{networkId}/data-protection-policy',
      tags: ['data-protection'],
      summary: 'Set the network’s personal-data policy (CareChain operators only)',
      description:
        '`block` refuses transactions and signatures carrying personal data (JSON-RPC error -32010 at the gateway, ' +
        '422 from the API), `flag` lets them through and records them, `off` inspects nothing. The gateway applies ' +
        'a change within a few seconds.',
      security: userSecurity,
      middleware: operatorOnly,
      request: { params: networkParams, ...jsonBody(SetDataProtectionPolicy) },
      responses: { 200: jsonResponse(DataProtectionPolicyView, 'Set'), ...errorResponses },
    }),
    async (c) => {
      const { networkId } = c.req.valid('param');
      const policy = await settings.setPolicy(userAuthor(c), networkId, c.req.valid('json').mode);
      return c.json(policyView(policy), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/ops/data-protection/exemptions',
      tags: ['data-protection'],
      summary: 'Every organisation’s exemptions, newest first (CareChain operators only)',
      security: userSecurity,
      middleware: operatorOnly,
      request: { query: ExemptionQuery },
      responses: { 200: jsonResponse(ExemptionList, 'Exemptions'), ...errorResponses },
    }),
    async (c) =>
      c.json({ items: (await settings.allExemptions(c.req.valid('query').state)).map(toExemptionView) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/ops/data-protection/exemptions/{exemptionId}/decision',
      tags: ['data-protection'],
      summary: 'Approve or reject an exemption asked for, or revoke an approved one (CareChain operators only)',
      security: userSecurity,
      middleware: operatorOnly,
      request: { params: z.object({ exemptionId: ExemptionId }), ...jsonBody(DecideExemption) },
      responses: { 200: jsonResponse(ExemptionView, 'Decided'), ...errorResponses },
    }),
    async (c) => {
      const { decision, note } = c.req.valid('json');
      const decided = await settings.decideExemption(userAuthor(c), c.req.valid('param').exemptionId, decision, note);
      return c.json(toExemptionView(decided), 200);
    },
  );
}
