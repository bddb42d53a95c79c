/**
 * Organisations' DIDs: each signing key is a did:ethr identifier on each network. Show a key's DID document as
 * the standard resolver reads it, and, signed by the key itself in the vault, add a delegate or set an attribute
 * (a FHIR service endpoint: `did/svc/FhirEndpoint`) on it. The work is functions/services/dids/.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { lazyOnce } from '../../../shared/lazy-once.ts';
import { NetworkId, OrgId, SigningKeyId } from '../../../shared/schemas/common.schemas.ts';
import { AddDidDelegate, DidChange, DidView, SetDidAttribute } from '../../../shared/schemas/did.schemas.ts';
import { accessGuards, orgAuthor, withTenantKeys } from '../access.ts';
import type { AppEnv } from '../app-env.ts';
import { jsonBody, jsonResponse, security } from '../route-helpers.ts';
import { type ConsentRouteDeps, consentErrors } from './consent-routes-shared.ts';

const DidParams = z.object({ orgId: OrgId, networkId: NetworkId, keyId: SigningKeyId });

export function registerDidRoutes(app: OpenAPIHono<AppEnv>, deps: ConsentRouteDeps) {
  const { orgAccess } = accessGuards(deps);
  // The service, with the DID registry's ABI and the contract calls it sends, loads at the first DID request.
  const loadService = lazyOnce(async () => (await import('../../services/dids/org-dids.service.ts')).OrgDidsService);
  const dids = lazyOnce(async () => new (await loadService())(deps));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/networks/{networkId}/dids/{keyId}',
      tags: ['dids'],
      summary: 'A signing key’s DID (did:ethr) on the network and its DID document, with delegates and services',
      description:
        'Anyone can resolve it themselves with ethr-did-resolver pointed at a node (the gateway URL ' +
        '`/rpc/{nodeId}/{apiKey}` works) and the network’s `didRegistryAddress`.',
      security,
      middleware: orgAccess('viewer'),
      request: { params: DidParams },
      responses: { 200: jsonResponse(DidView, 'The DID'), ...consentErrors },
    }),
    async (c) => {
      const { orgId, networkId, keyId } = c.req.valid('param');
      return c.json(await (await dids()).show(orgId, keyId, networkId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/networks/{networkId}/dids/{keyId}/delegates',
      tags: ['dids'],
      summary: 'Add a delegate to the key’s DID (ERC-1056 addDelegate, signed by the key)',
      security,
      middleware: orgAccess('developer'),
      request: { params: DidParams, ...jsonBody(AddDidDelegate) },
      responses: { 201: jsonResponse(DidChange, 'Added'), ...consentErrors },
    }),
    async (c) => {
      const { orgId, networkId, keyId } = c.req.valid('param');
      return c.json(
        await new (await loadService())(withTenantKeys(c, deps)).addDelegate(
          orgAuthor(c),
          orgId,
          keyId,
          networkId,
          c.req.valid('json'),
        ),
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/networks/{networkId}/dids/{keyId}/attributes',
      tags: ['dids'],
      summary:
        'Set an attribute on the key’s DID, e.g. did/svc/FhirEndpoint (ERC-1056 setAttribute, signed by the key)',
      security,
      middleware: orgAccess('developer'),
      request: { params: DidParams, ...jsonBody(SetDidAttribute) },
      responses: { 201: jsonResponse(DidChange, 'Set'), ...consentErrors },
    }),
    async (c) => {
      const { orgId, networkId, keyId } = c.req.valid('param');
      return c.json(
        await new (await loadService())(withTenantKeys(c, deps)).setAttribute(
          orgAuthor(c),
          orgId,
          keyId,
          networkId,
          c.req.valid('json'),
        ),
        201,
      );
    },
  );
}
