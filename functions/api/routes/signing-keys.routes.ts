/**
 * Signing keys: created in the vault (KMS or local), used to sign messages, typed data and transactions through
 * the organisation's own nodes, disabled, enabled and scheduled for deletion (functions/services/signing/). Every
 * signature is audited with its digest and purpose, and metered.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { OrgId, SigningKeyId } from '../../../shared/schemas/common.schemas.ts';
import {
  CreateSigningKey,
  ScheduleKeyDeletion,
  SendTransaction,
  SentTransaction,
  SignatureView,
  SigningKeyList,
  SigningKeyView,
  SignMessage,
  SignTypedData,
} from '../../../shared/schemas/signing-key.schemas.ts';
import type { SigningKey } from '../../../shared/store/signing-keys.repository.ts';
import { type Signature, SigningKeysService } from '../../services/signing/signing-keys.service.ts';
import { accessGuards, inTenant, type OrgContext, orgAuthor } from '../access.ts';
import type { GuardDeps, RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonBody, jsonResponse, personalDataResponses, security } from '../route-helpers.ts';

const KeyParams = z.object({ orgId: OrgId, keyId: SigningKeyId });

export function toSigningKeyView(key: SigningKey) {
  return {
    id: key.id,
    alias: key.alias,
    description: key.description ?? null,
    address: key.address,
    publicKey: key.publicKey,
    state: key.state,
    deletionDate: key.deletionDate ?? null,
    createdAt: key.createdAt,
  };
}

const signatureView = ({ key, digest, signature }: Signature) => ({
  keyId: key.id,
  address: key.address,
  digest,
  signature,
});

export type SigningKeyRouteDeps = RouteDeps<
  'clock' | 'vault' | 'usage' | 'signingKeyAdmission' | 'dataProtection' | GuardDeps,
  'organisations' | 'audit' | 'signingKeys' | 'nodes' | 'networks' | 'dataProtection'
>;

export function registerSigningKeyRoutes(app: OpenAPIHono<AppEnv>, deps: SigningKeyRouteDeps) {
  const { orgAccess } = accessGuards(deps);
  // The organisation's keys and records only: its vault and partition on its tenant session.
  const keysFor = (c: OrgContext) => new SigningKeysService(inTenant(c, deps));

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/keys',
      tags: ['signing-keys'],
      summary: 'Create a signing key in the vault (KMS in AWS); its private half never leaves it',
      security,
      middleware: orgAccess('developer'),
      request: { params: z.object({ orgId: OrgId }), ...jsonBody(CreateSigningKey) },
      responses: { 201: jsonResponse(SigningKeyView, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const key = await keysFor(c).create(orgAuthor(c), c.req.valid('param').orgId, c.req.valid('json'));
      return c.json(toSigningKeyView(key), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/keys',
      tags: ['signing-keys'],
      summary: 'Signing keys of the organisation',
      security,
      middleware: orgAccess('viewer'),
      request: { params: z.object({ orgId: OrgId }) },
      responses: { 200: jsonResponse(SigningKeyList, 'Keys'), ...errorResponses },
    }),
    async (c) => c.json({ items: (await keysFor(c).list(c.req.valid('param').orgId)).map(toSigningKeyView) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/keys/{keyId}',
      tags: ['signing-keys'],
      summary: 'One signing key: address, public key, state',
      security,
      middleware: orgAccess('viewer'),
      request: { params: KeyParams },
      responses: { 200: jsonResponse(SigningKeyView, 'The key'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, keyId } = c.req.valid('param');
      return c.json(toSigningKeyView(await keysFor(c).find(orgId, keyId)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/keys/{keyId}/sign-message',
      tags: ['signing-keys'],
      summary: 'Sign an EIP-191 personal message (verify with ethers.verifyMessage)',
      security,
      middleware: orgAccess('developer'),
      request: { params: KeyParams, ...jsonBody(SignMessage) },
      responses: { 200: jsonResponse(SignatureView, 'Signed'), ...errorResponses, ...personalDataResponses },
    }),
    async (c) => {
      const { orgId, keyId } = c.req.valid('param');
      return c.json(signatureView(await keysFor(c).signMessage(orgAuthor(c), orgId, keyId, c.req.valid('json'))), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/keys/{keyId}/sign-typed-data',
      tags: ['signing-keys'],
      summary: 'Sign EIP-712 typed data (verify with ethers.verifyTypedData)',
      security,
      middleware: orgAccess('developer'),
      request: { params: KeyParams, ...jsonBody(SignTypedData) },
      responses: { 200: jsonResponse(SignatureView, 'Signed'), ...errorResponses, ...personalDataResponses },
    }),
    async (c) => {
      const { orgId, keyId } = c.req.valid('param');
      return c.json(
        signatureView(await keysFor(c).signTypedData(orgAuthor(c), orgId, keyId, c.req.valid('json'))),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/keys/{keyId}/transactions',
      tags: ['signing-keys'],
      summary: 'Sign a transaction and send it through one of your running nodes',
      description: 'Nonce, gas and fees come from the node (consortium networks are free-gas).',
      security,
      middleware: orgAccess('developer'),
      request: { params: KeyParams, ...jsonBody(SendTransaction) },
      responses: {
        200: jsonResponse(SentTransaction, 'Sent; the hash identifies it'),
        ...errorResponses,
        ...personalDataResponses,
      },
    }),
    async (c) => {
      const { orgId, keyId } = c.req.valid('param');
      const sent = await keysFor(c).sendTransaction(orgAuthor(c), orgId, keyId, c.req.valid('json'));
      return c.json({ hash: sent.hash, from: sent.key.address, nonce: sent.nonce, nodeId: sent.nodeId }, 200);
    },
  );

  const stateChange = (action: 'disable' | 'enable', summary: string) =>
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/orgs/{orgId}/keys/{keyId}/${action}`,
        tags: ['signing-keys'],
        summary,
        security,
        middleware: orgAccess('admin'),
        request: { params: KeyParams },
        responses: { 200: jsonResponse(SigningKeyView, 'Done'), ...errorResponses },
      }),
      async (c) => {
        const { orgId, keyId } = c.req.valid('param');
        const key = await keysFor(c).setEnabled(orgAuthor(c), orgId, keyId, action === 'enable');
        return c.json(toSigningKeyView(key), 200);
      },
    );
  stateChange('disable', 'Disable a key: it cannot sign until enabled again');
  stateChange('enable', 'Enable a disabled key');

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/orgs/{orgId}/keys/{keyId}',
      tags: ['signing-keys'],
      summary: 'Schedule a key’s deletion (7–30 days); it cannot sign from now on',
      security,
      middleware: orgAccess('admin'),
      request: { params: KeyParams, query: ScheduleKeyDeletion },
      responses: { 200: jsonResponse(SigningKeyView, 'Scheduled'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, keyId } = c.req.valid('param');
      const { pendingWindowDays } = c.req.valid('query');
      return c.json(
        toSigningKeyView(await keysFor(c).scheduleDeletion(orgAuthor(c), orgId, keyId, pendingWindowDays)),
        200,
      );
    },
  );
}
