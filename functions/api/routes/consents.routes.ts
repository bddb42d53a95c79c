/**
 * The consent ledger through the API, for member organisations: relay a consent action a patient signed (give,
 * withdraw, block) with one of your member keys, check a consent before releasing records (what a FHIR server
 * calls), read a consent, and log and list your organisation's accesses. The patient pages' routes
 * (patient.routes.ts) share the same services: relays, checks and their cache. The services are in
 * functions/services/consent/.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Principal } from '../../../shared/domain/organisation.ts';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../../../shared/errors.ts';
import { NetworkId, OrgId } from '../../../shared/schemas/common.schemas.ts';
import {
  AccessList,
  AccessListQuery,
  ConsentCheck,
  ConsentCheckQuery,
  ConsentIdParam,
  ConsentView,
  LogAccess,
  LoggedAccess,
  RelayBlock,
  RelayConsent,
  RelayedBlock,
  RelayedConsent,
  RelayWithdrawal,
} from '../../../shared/schemas/consent.schemas.ts';
import { resolveOrgAccess } from '../../services/access/org-access.ts';
import { accessGuards, orgAuthor, requestIdOf, signedIn, withTenantKeys } from '../access.ts';
import type { AppEnv } from '../app-env.ts';
import { jsonBody, jsonResponse, security } from '../route-helpers.ts';
import { type ConsentRouteDeps, consentErrors, lazyConsentApi } from './consent-routes-shared.ts';
import { registerPatientRoutes } from './patient.routes.ts';

const NetworkParams = z.object({ networkId: NetworkId });
const ConsentParams = z.object({ networkId: NetworkId, consentId: ConsentIdParam });
const OrgNetworkParams = z.object({ orgId: OrgId, networkId: NetworkId });

export function registerConsentRoutes(app: OpenAPIHono<AppEnv>, deps: ConsentRouteDeps) {
  const consents = lazyConsentApi(deps);
  const { orgAccess } = accessGuards(deps);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{networkId}/consents',
      tags: ['consents'],
      summary: 'Relay a consent a patient signed (EIP-712 GiveConsent) with one of your member keys',
      description:
        'The signature is verified before anything is sent: it must be by the pairwise key the pseudonym commits ' +
        'to, with that key’s next nonce, before its deadline (a forged, replayed or expired signature is a 4xx and ' +
        'nothing is sent). Your key signs the transaction (free gas); the answer comes once it is mined.',
      security,
      middleware: signedIn,
      request: { params: NetworkParams, ...jsonBody(RelayConsent) },
      responses: { 201: jsonResponse(RelayedConsent, 'Recorded on the ledger'), ...consentErrors },
    }),
    async (c) => {
      const { keyId, ...signed } = c.req.valid('json');
      const api = await consents();
      const caller = { principal: c.get('principal'), requestId: requestIdOf(c), keyId };
      const { network, relayer } = await api.memberRelay(caller, c.req.valid('param').networkId);
      return c.json(await api.relay.give(relayer, network, signed), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{networkId}/consents/{consentId}/withdrawal',
      tags: ['consents'],
      summary: 'Relay a withdrawal a patient signed (EIP-712 WithdrawConsent)',
      description: 'Checks deny from the block that records it on.',
      security,
      middleware: signedIn,
      request: { params: ConsentParams, ...jsonBody(RelayWithdrawal) },
      responses: { 200: jsonResponse(RelayedConsent, 'Withdrawn'), ...consentErrors },
    }),
    async (c) => {
      const { networkId, consentId } = c.req.valid('param');
      const { keyId, ...signed } = c.req.valid('json');
      const api = await consents();
      const caller = { principal: c.get('principal'), requestId: requestIdOf(c), keyId };
      const { network, relayer } = await api.memberRelay(caller, networkId);
      return c.json(await api.relay.withdraw(relayer, network, consentId, signed), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{networkId}/consents/blocks',
      tags: ['consents'],
      summary: 'Relay a block ("spärr") a patient signed (EIP-712 SetBlock), or its lifting',
      description: 'While blocked, every check of the grantee under the pseudonym denies, whatever consents say.',
      security,
      middleware: signedIn,
      request: { params: NetworkParams, ...jsonBody(RelayBlock) },
      responses: { 200: jsonResponse(RelayedBlock, 'Recorded'), ...consentErrors },
    }),
    async (c) => {
      const { keyId, ...signed } = c.req.valid('json');
      const api = await consents();
      const caller = { principal: c.get('principal'), requestId: requestIdOf(c), keyId };
      const { network, relayer } = await api.memberRelay(caller, c.req.valid('param').networkId);
      return c.json(await api.relay.setBlock(relayer, network, signed), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/consents/check',
      tags: ['consents'],
      summary: 'May this grantee read these records for this purpose now? Permit or deny, and the record that decides',
      description:
        'What a member’s FHIR server asks before releasing records: send the pseudonym the patient gave you, your ' +
        'member address, the purpose (HL7 ActReason) and the FHIR resource type. Deny wins over permit; a block ' +
        'denies everything; without a consent the answer is deny. Answers are cached per block and never more than ' +
        'one block behind. API keys need the `read` scope; signed-in users name the organisation with `orgId`.',
      security,
      middleware: signedIn,
      request: { params: NetworkParams, query: ConsentCheckQuery },
      responses: { 200: jsonResponse(ConsentCheck, 'The decision'), ...consentErrors },
    }),
    async (c) => {
      const { orgId, ...question } = c.req.valid('query');
      const { networkId } = c.req.valid('param');
      const meteredTo = await checkingOrganisation(deps, c.get('principal'), orgId);
      const answer = await (await consents()).check(networkId, question);
      deps.usage?.record(meteredTo, 'api_requests', 1);
      return c.json(answer, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/consents/{consentId}',
      tags: ['consents'],
      summary: 'One consent as the ledger records it (status, terms, hashes of the policy and the receipt)',
      security,
      middleware: signedIn,
      request: { params: ConsentParams },
      responses: { 200: jsonResponse(ConsentView, 'The consent'), ...consentErrors },
    }),
    async (c) => {
      const { networkId, consentId } = c.req.valid('param');
      return c.json(await (await consents()).consent(networkId, consentId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/networks/{networkId}/accesses',
      tags: ['consents'],
      summary: 'Log an access to a patient’s records with one of your member keys',
      description:
        'The ledger refuses an access no consent permits now (403), unless it is an emergency access ' +
        '(`emergency: true`, nödöppning), which is always logged as such and shown to the patient.',
      security,
      middleware: orgAccess('developer'),
      request: { params: OrgNetworkParams, ...jsonBody(LogAccess) },
      responses: { 201: jsonResponse(LoggedAccess, 'Logged'), ...consentErrors },
    }),
    async (c) => {
      const { orgId, networkId } = c.req.valid('param');
      const api = await consents();
      // The member key signs, and its signature is recorded, in the organisation's tenant scope.
      const scoped = withTenantKeys(c, api.deps);
      return c.json(await api.logAccess(scoped, orgAuthor(c), orgId, networkId, c.req.valid('json')), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/networks/{networkId}/accesses',
      tags: ['consents'],
      summary: 'The accesses your organisation’s keys logged, newest first, with counts by purpose',
      security,
      middleware: orgAccess('viewer'),
      request: { params: OrgNetworkParams, query: AccessListQuery },
      responses: { 200: jsonResponse(AccessList, 'Accesses'), ...consentErrors },
    }),
    async (c) => {
      const { orgId, networkId } = c.req.valid('param');
      const { before, limit = 20 } = c.req.valid('query');
      const api = await consents();
      return c.json(await api.accesses(withTenantKeys(c, api.deps), orgId, networkId, { before, limit }), 200);
    },
  );

  registerPatientRoutes(app, consents, deps);
}

/**
 * The organisation a check is for, which it is metered to: an API key's own (with the `read` or `write` scope),
 * or the one a signed-in user names and belongs to.
 */
async function checkingOrganisation(
  deps: Pick<ConsentRouteDeps, 'stores'>,
  principal: Principal | undefined,
  orgId: string | undefined,
): Promise<string> {
  if (!principal) throw new UnauthorizedError('Log in or send a bearer token');
  if (principal.kind === 'api_key') {
    const { apiKey } = principal;
    if (!apiKey.scopes.includes('read') && !apiKey.scopes.includes('write')) {
      throw new ForbiddenError(`This API key's scopes (${apiKey.scopes.join(', ')}) do not allow consent checks`);
    }
    if (orgId && orgId !== apiKey.orgId) {
      await resolveOrgAccess(deps.stores.organisations, principal, orgId, { role: 'viewer' });
    }
    return apiKey.orgId;
  }
  if (!orgId) {
    throw new ValidationError('Name the organisation the check is for', [
      { path: 'query.orgId', message: 'Required for signed-in users' },
    ]);
  }
  return (await resolveOrgAccess(deps.stores.organisations, principal, orgId, { role: 'viewer' })).org.id;
}
