/**
 * The patient pages' API. A patient signs in with their own key by Sign-In with Ethereum (EIP-4361) — no CareChain
 * account — and with the short-lived patient session sees their consents and every access to them, and gives,
 * withdraws or blocks consents they sign in the browser, which the platform relays (the patient needs no gas and
 * no node). The networks a patient can sign in to are public; everything else needs the patient session.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { NetworkId } from '../../../shared/schemas/common.schemas.ts';
import {
  ConsentIdParam,
  RelayedBlock,
  RelayedConsent,
  SignedBlock,
  SignedConsent,
  SignedWithdrawal,
} from '../../../shared/schemas/consent.schemas.ts';
import {
  CreatePatientSession,
  PatientNetworkList,
  PatientNetworkParams,
  PatientOrganisations,
  PatientSessionView,
  PatientView,
  PatientViewRequest,
  SiweNonce,
} from '../../../shared/schemas/patient.schemas.ts';
import type { PatientSession } from '../../services/consent/patient-sessions.ts';
import { requestIdOf } from '../access.ts';
import type { AppEnv } from '../app-env.ts';
import { patientOnly } from '../middleware/patient-session.ts';
import { errorResponses, jsonBody, jsonResponse } from '../route-helpers.ts';
import type { ConsentApiLoader, ConsentRouteDeps } from './consent-routes-shared.ts';
import { consentErrors } from './consent-routes-shared.ts';

const patientSecurity = [{ patientSession: [] }];
const ConsentParams = z.object({ networkId: NetworkId, consentId: ConsentIdParam });

export function registerPatientRoutes(app: OpenAPIHono<AppEnv>, consents: ConsentApiLoader, deps: ConsentRouteDeps) {
  const patient = patientOnly(async (token) => (await consents()).sessions.verify(token));

  app.openAPIRegistry.registerComponent('securitySchemes', 'patientSession', {
    type: 'http',
    scheme: 'bearer',
    description: 'A patient session token (ccp_…) from POST /v1/patient/sessions (Sign-In with Ethereum)',
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/patient/networks',
      tags: ['patients'],
      summary: 'The networks a patient can sign in to: chain id and consent ledger (no sign-in needed)',
      responses: { 200: jsonResponse(PatientNetworkList, 'Networks with a consent ledger') },
    }),
    async (c) => {
      const networks = (await deps.stores.networks.list()).filter(
        (n) => n.status === 'active' && n.consentLedgerAddress,
      );
      const items = networks.map((n) => ({
        id: n.id,
        name: n.name,
        chainId: n.chainId,
        blockPeriodSeconds: n.blockPeriodSeconds,
        consentLedgerAddress: n.consentLedgerAddress as string,
        didRegistryAddress: n.didRegistryAddress ?? null,
      }));
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/patient/nonces',
      tags: ['patients'],
      summary: 'A nonce for a Sign-In with Ethereum message (valid five minutes, usable once)',
      responses: { 201: jsonResponse(SiweNonce, 'The nonce'), ...errorResponses },
    }),
    async (c) => c.json(await (await consents()).sessions.issueNonce(), 201),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/patient/sessions',
      tags: ['patients'],
      summary: 'Sign in as a patient with a signed EIP-4361 message; answers a 15-minute patient session',
      description:
        'The message must name this server’s host as its domain, a nonce from POST /v1/patient/nonces and the ' +
        'chain id of a network with a consent ledger; the signature is the patient’s own key’s (EIP-191). No ' +
        'account is made and nothing about the patient is kept.',
      request: jsonBody(CreatePatientSession),
      responses: { 201: jsonResponse(PatientSessionView, 'Signed in'), ...errorResponses },
    }),
    async (c) => {
      const domain = deps.config.publicUrl ? new URL(deps.config.publicUrl).host : (c.req.header('host') ?? '');
      const { token, session } = await (await consents()).sessions.signIn(c.req.valid('json'), domain);
      return c.json({ token, ...sessionView(session) }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/patient/session',
      tags: ['patients'],
      summary: 'The patient session this token stands for',
      security: patientSecurity,
      middleware: patient,
      responses: { 200: jsonResponse(PatientSessionView.omit({ token: true }), 'The session'), ...errorResponses },
    }),
    async (c) => c.json(sessionView(c.var.patient), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/patient/networks/{networkId}/organisations',
      tags: ['patients'],
      summary: 'The organisations of the consortium a patient can give consents to',
      security: patientSecurity,
      middleware: patient,
      request: { params: PatientNetworkParams },
      responses: { 200: jsonResponse(PatientOrganisations, 'Organisations'), ...consentErrors },
    }),
    async (c) => {
      const items = await (await consents()).patientOrganisations(c.var.patient, c.req.valid('param').networkId);
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/patient/networks/{networkId}/view',
      tags: ['patients'],
      summary: 'The patient’s consents and every access to them, per organisation',
      description:
        'For each organisation give the salt and pairwise key your pseudonym toward it was made from: the API ' +
        'recomputes the pseudonym from the DID you signed in with, so only you can read it. Salts are used for ' +
        'this answer only and never kept or logged.',
      security: patientSecurity,
      middleware: patient,
      request: { params: PatientNetworkParams, ...jsonBody(PatientViewRequest) },
      responses: { 200: jsonResponse(PatientView, 'Consents and accesses'), ...consentErrors },
    }),
    async (c) => {
      const { networkId } = c.req.valid('param');
      return c.json(await (await consents()).patientView(c.var.patient, networkId, c.req.valid('json')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/patient/networks/{networkId}/consents',
      tags: ['patients'],
      summary: 'Give a consent you signed (EIP-712 GiveConsent); the platform relays it',
      security: patientSecurity,
      middleware: patient,
      request: { params: PatientNetworkParams, ...jsonBody(SignedConsent) },
      responses: { 201: jsonResponse(RelayedConsent, 'Recorded on the ledger'), ...consentErrors },
    }),
    async (c) => {
      const { networkId } = c.req.valid('param');
      const api = await consents();
      const { network, relayer } = await api.platformRelay(c.var.patient, networkId, requestIdOf(c));
      return c.json(await api.relay.give(relayer, network, c.req.valid('json')), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/patient/networks/{networkId}/consents/{consentId}/withdrawal',
      tags: ['patients'],
      summary: 'Withdraw a consent (EIP-712 WithdrawConsent you signed); the platform relays it',
      security: patientSecurity,
      middleware: patient,
      request: { params: ConsentParams, ...jsonBody(SignedWithdrawal) },
      responses: { 200: jsonResponse(RelayedConsent, 'Withdrawn'), ...consentErrors },
    }),
    async (c) => {
      const { networkId, consentId } = c.req.valid('param');
      const api = await consents();
      const { network, relayer } = await api.platformRelay(c.var.patient, networkId, requestIdOf(c));
      return c.json(await api.relay.withdraw(relayer, network, consentId, c.req.valid('json')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/patient/networks/{networkId}/consents/blocks',
      tags: ['patients'],
      summary: 'Block an organisation ("spärr"), or lift the block (EIP-712 SetBlock you signed)',
      security: patientSecurity,
      middleware: patient,
      request: { params: PatientNetworkParams, ...jsonBody(SignedBlock) },
      responses: { 200: jsonResponse(RelayedBlock, 'Recorded'), ...consentErrors },
    }),
    async (c) => {
      const { networkId } = c.req.valid('param');
      const api = await consents();
      const { network, relayer } = await api.platformRelay(c.var.patient, networkId, requestIdOf(c));
      return c.json(await api.relay.setBlock(relayer, network, c.req.valid('json')), 200);
    },
  );
}

function sessionView(session: PatientSession) {
  return {
    address: session.address,
    did: session.did,
    networkId: session.networkId,
    chainId: session.chainId,
    expiresAt: new Date(session.expiresAt * 1000).toISOString(),
  };
}
