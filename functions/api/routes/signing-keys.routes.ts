/**
 * Signing keys: created in the vault (KMS or local), used to sign messages, typed data and transactions through
 * the organisation's own nodes, disabled, enabled and scheduled for deletion. Every signature is audited with
 * its digest and purpose, and metered.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  getBytes,
  hashMessage,
  isError,
  JsonRpcProvider,
  type TransactionRequest,
  TypedDataEncoder,
  type TypedDataField,
} from 'ethers';
import type { Context } from 'hono';
import { VaultSigner } from '../../../shared/chain/vault-signer.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { isPlatformRun } from '../../../shared/domain/node.ts';
import { InvalidStateError, NotFoundError, UpstreamError, ValidationError } from '../../../shared/errors.ts';
import { idParam, OrgId } from '../../../shared/schemas/common.schemas.ts';
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
import { type Actor, audit, requireOrgAccess } from '../access.ts';
import type { AppDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonBody, jsonResponse, security } from '../route-helpers.ts';

const KeyId = idParam('signingKey', 'sk_a2b3c4d5e6f7g2h3i4j5');
const KeyParams = z.object({ orgId: OrgId, keyId: KeyId });

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

export function registerSigningKeyRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  const findKey = async (orgId: string, keyId: string) => {
    const key = await deps.stores.signingKeys.get(orgId, keyId);
    if (!key) throw new NotFoundError('No such signing key');
    return key;
  };

  /** Refuses early with the key's state in words; the vault enforces the same rule itself. */
  const assertCanSign = (key: SigningKey) => {
    if (key.state === 'disabled') throw new InvalidStateError('The signing key is disabled; enable it to sign');
    if (key.state === 'pending-deletion') {
      throw new InvalidStateError(`The signing key is scheduled for deletion on ${key.deletionDate} and cannot sign`);
    }
  };

  const recordSignature = async (
    c: Context<AppEnv>,
    key: SigningKey,
    actor: Actor,
    purpose: 'message' | 'typed-data' | 'transaction',
    digest: string,
    extra: Record<string, unknown> = {},
  ) => {
    deps.usage?.record(key.orgId, 'signatures', 1);
    await audit(c, deps, {
      orgId: key.orgId,
      actor,
      action: 'signing-key.signed',
      target: key.id,
      details: { keyId: key.id, address: key.address, digest, purpose, ...extra },
    });
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/keys',
      tags: ['signing-keys'],
      summary: 'Create a signing key in the vault (KMS in AWS); its private half never leaves it',
      security,
      request: { params: z.object({ orgId: OrgId }), ...jsonBody(CreateSigningKey) },
      responses: { 201: jsonResponse(SigningKeyView, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      const access = await requireOrgAccess(c, deps, orgId, { role: 'developer' });
      await deps.signingKeyAdmission?.(orgId);
      const created = await deps.vault.createKey({ orgId, alias: body.alias, description: body.description });
      const key = await deps.stores.signingKeys.create({
        id: newId('signingKey'),
        orgId,
        alias: body.alias,
        description: body.description,
        address: created.address,
        publicKey: created.publicKey,
        keyRef: created.keyRef,
        state: 'enabled',
        deletionDate: undefined,
        createdAt: deps.clock().toISOString(),
        createdBy: access.actor.id,
        version: 1,
      });
      await audit(c, deps, {
        orgId,
        actor: access.actor,
        action: 'signing-key.created',
        target: key.id,
        details: { alias: key.alias, address: key.address },
      });
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
      request: { params: z.object({ orgId: OrgId }) },
      responses: { 200: jsonResponse(SigningKeyList, 'Keys'), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      await requireOrgAccess(c, deps, orgId, { role: 'viewer' });
      const keys = await deps.stores.signingKeys.list(orgId);
      return c.json({ items: keys.map(toSigningKeyView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/keys/{keyId}',
      tags: ['signing-keys'],
      summary: 'One signing key: address, public key, state',
      security,
      request: { params: KeyParams },
      responses: { 200: jsonResponse(SigningKeyView, 'The key'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, keyId } = c.req.valid('param');
      await requireOrgAccess(c, deps, orgId, { role: 'viewer' });
      return c.json(toSigningKeyView(await findKey(orgId, keyId)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/keys/{keyId}/sign-message',
      tags: ['signing-keys'],
      summary: 'Sign an EIP-191 personal message (verify with ethers.verifyMessage)',
      security,
      request: { params: KeyParams, ...jsonBody(SignMessage) },
      responses: { 200: jsonResponse(SignatureView, 'Signed'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, keyId } = c.req.valid('param');
      const body = c.req.valid('json');
      const access = await requireOrgAccess(c, deps, orgId, { role: 'developer' });
      const key = await findKey(orgId, keyId);
      assertCanSign(key);
      let message: string | Uint8Array = body.message;
      if (body.encoding === 'hex') {
        try {
          message = getBytes(body.message);
        } catch (error) {
          throw new ValidationError('The message is not hex', [{ path: 'body.message', message: 'not hex' }], {
            cause: error,
          });
        }
      }
      const signature = await new VaultSigner(deps.vault, key.keyRef).signMessage(message);
      const digest = hashMessage(message);
      await recordSignature(c, key, access.actor, 'message', digest);
      return c.json({ keyId: key.id, address: key.address, digest, signature }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/keys/{keyId}/sign-typed-data',
      tags: ['signing-keys'],
      summary: 'Sign EIP-712 typed data (verify with ethers.verifyTypedData)',
      security,
      request: { params: KeyParams, ...jsonBody(SignTypedData) },
      responses: { 200: jsonResponse(SignatureView, 'Signed'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, keyId } = c.req.valid('param');
      const body = c.req.valid('json');
      const access = await requireOrgAccess(c, deps, orgId, { role: 'developer' });
      const key = await findKey(orgId, keyId);
      assertCanSign(key);
      // EIP712Domain is implied by `domain`; ethers wants it left out of `types`.
      const { EIP712Domain: _domainType, ...types } = body.types as Record<string, TypedDataField[]>;
      let digest: string;
      try {
        const encoder = TypedDataEncoder.from(types);
        if (body.primaryType && encoder.primaryType !== body.primaryType) {
          throw new Error(`the types describe ${encoder.primaryType}, not ${body.primaryType}`);
        }
        digest = TypedDataEncoder.hash(body.domain, types, body.message);
      } catch (error) {
        throw new ValidationError(`The typed data is not valid: ${(error as Error).message}`, [], { cause: error });
      }
      const signature = await new VaultSigner(deps.vault, key.keyRef).signTypedData(body.domain, types, body.message);
      await recordSignature(c, key, access.actor, 'typed-data', digest);
      return c.json({ keyId: key.id, address: key.address, digest, signature }, 200);
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
      request: { params: KeyParams, ...jsonBody(SendTransaction) },
      responses: { 200: jsonResponse(SentTransaction, 'Sent; the hash identifies it'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, keyId } = c.req.valid('param');
      const body = c.req.valid('json');
      const access = await requireOrgAccess(c, deps, orgId, { role: 'developer' });
      const key = await findKey(orgId, keyId);
      assertCanSign(key);
      const nodes = (await deps.stores.nodes.listByOrg(orgId)).filter((n) => n.state !== 'terminated');
      const named = body.nodeId ? nodes.find((n) => n.id === body.nodeId) : undefined;
      if (body.nodeId && !named) throw new NotFoundError('No such node');
      if (named && !isPlatformRun(named)) {
        // A self-hosted node's URL is the member's own input: the platform sends nothing of its own there.
        throw new ValidationError('Transactions are sent only through managed nodes', [
          { path: 'body.nodeId', message: 'a self-hosted node: send through one of your managed nodes' },
        ]);
      }
      const serving = nodes.filter(
        (n) => isPlatformRun(n) && (n.state === 'running' || n.state === 'degraded') && n.endpoints.rpcUrl,
      );
      const node = named ? serving.find((n) => n.id === named.id) : serving[0];
      if (!node?.endpoints.rpcUrl) {
        if (named) throw new InvalidStateError('That node is not running; start it or choose another');
        throw new InvalidStateError(
          'The organisation has no running managed node to send through; create or start one',
        );
      }
      const network = await deps.stores.networks.get(node.networkId);
      const provider = new JsonRpcProvider(node.endpoints.rpcUrl, network?.chainId, {
        staticNetwork: true,
        cacheTimeout: -1,
      });
      try {
        const signer = new VaultSigner(deps.vault, key.keyRef, provider);
        const request: TransactionRequest = {
          from: key.address,
          to: body.to,
          value: BigInt(body.value),
          data: body.data,
          chainId: network?.chainId,
        };
        const [nonce, gasLimit, fees] = await Promise.all([
          provider.getTransactionCount(key.address, 'pending'),
          body.gasLimit === undefined ? provider.estimateGas(request) : Promise.resolve(BigInt(body.gasLimit)),
          provider.getFeeData(),
        ]);
        const filled: TransactionRequest =
          fees.maxFeePerGas !== null && fees.maxPriorityFeePerGas !== null
            ? {
                ...request,
                nonce,
                gasLimit,
                type: 2,
                maxFeePerGas: fees.maxFeePerGas,
                maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
              }
            : { ...request, nonce, gasLimit, type: 0, gasPrice: fees.gasPrice ?? 0n };
        const signed = await signer.signTransaction(filled);
        const sent = await provider.broadcastTransaction(signed);
        await recordSignature(c, key, access.actor, 'transaction', sent.hash, { nodeId: node.id, nonce });
        return c.json({ hash: sent.hash, from: key.address, nonce, nodeId: node.id }, 200);
      } catch (error) {
        throw nodeRefusal(error);
      } finally {
        provider.destroy();
      }
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
        request: { params: KeyParams },
        responses: { 200: jsonResponse(SigningKeyView, 'Done'), ...errorResponses },
      }),
      async (c) => {
        const { orgId, keyId } = c.req.valid('param');
        const access = await requireOrgAccess(c, deps, orgId, { role: 'admin' });
        const key = await findKey(orgId, keyId);
        if (key.state === 'pending-deletion') throw new InvalidStateError('The key is scheduled for deletion');
        const target = action === 'disable' ? 'disabled' : 'enabled';
        if (key.state === target) return c.json(toSigningKeyView(key), 200);
        await (action === 'disable' ? deps.vault.disable(key.keyRef) : deps.vault.enable(key.keyRef));
        const updated = await deps.stores.signingKeys.setState(key, target);
        await audit(c, deps, { orgId, actor: access.actor, action: `signing-key.${target}`, target: key.id });
        return c.json(toSigningKeyView(updated), 200);
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
      request: { params: KeyParams, query: ScheduleKeyDeletion },
      responses: { 200: jsonResponse(SigningKeyView, 'Scheduled'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, keyId } = c.req.valid('param');
      const { pendingWindowDays } = c.req.valid('query');
      const access = await requireOrgAccess(c, deps, orgId, { role: 'admin' });
      const key = await findKey(orgId, keyId);
      if (key.state === 'pending-deletion') return c.json(toSigningKeyView(key), 200);
      const { deletionDate } = await deps.vault.scheduleDeletion(key.keyRef, pendingWindowDays);
      const updated = await deps.stores.signingKeys.setState(key, 'pending-deletion', deletionDate.toISOString());
      await audit(c, deps, {
        orgId,
        actor: access.actor,
        action: 'signing-key.deletion-scheduled',
        target: key.id,
        details: { deletionDate: updated.deletionDate },
      });
      return c.json(toSigningKeyView(updated), 200);
    },
  );
}

/**
 * JSON-RPC error codes with which a node refuses a transaction for what it says (EIP-1474's -32000 and -32003,
 * invalid params, a revert): the node was reached and answered, so the request is what needs changing.
 */
const REFUSAL_CODES: ReadonlySet<number> = new Set([-32000, -32003, -32602, 3]);

/** A node's refusal (revert, bad nonce, gas out of bounds...) is the caller's to fix; a node that cannot be reached is ours. */
function nodeRefusal(error: unknown): Error {
  if (error instanceof InvalidStateError || error instanceof ValidationError) return error;
  if (isError(error, 'CALL_EXCEPTION') || isError(error, 'INSUFFICIENT_FUNDS') || isError(error, 'NONCE_EXPIRED')) {
    return new ValidationError(`The node refused the transaction: ${error.shortMessage}`, [], { cause: error });
  }
  // ethers refusing to encode a value of the request, before anything is sent.
  if (isError(error, 'INVALID_ARGUMENT') || isError(error, 'NUMERIC_FAULT')) {
    return new ValidationError(`The transaction cannot be encoded: ${error.shortMessage}`, [], { cause: error });
  }
  const answer = jsonRpcErrorOf(error);
  if (answer && REFUSAL_CODES.has(answer.code)) {
    return new ValidationError(`The node refused the transaction: ${answer.message}`, [], { cause: error });
  }
  if (isError(error, 'SERVER_ERROR') && /execution reverted|invalid|exceeds/i.test(error.shortMessage)) {
    return new ValidationError(`The node refused the transaction: ${error.shortMessage}`, [], { cause: error });
  }
  if (error instanceof Error && 'status' in error) return error;
  return new UpstreamError('The node could not be reached to send the transaction; try again', { cause: error });
}

/** The JSON-RPC error a node answered with, which ethers keeps as `error` when it has no name for it. */
function jsonRpcErrorOf(error: unknown): { code: number; message: string } | undefined {
  const answer = error instanceof Error && 'error' in error ? error.error : undefined;
  if (answer === null || typeof answer !== 'object') return undefined;
  const { code, message } = answer as { code?: unknown; message?: unknown };
  return typeof code === 'number' && typeof message === 'string' ? { code, message } : undefined;
}
