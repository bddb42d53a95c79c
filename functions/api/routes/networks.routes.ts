/**
 * Networks: operators create them, everyone signed in lists them and downloads their genesis.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { genesisJson } from '../../../shared/chain/besu/genesis.ts';
import { canonicalValidators } from '../../../shared/chain/besu/validator-set.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError } from '../../../shared/errors.ts';
import { idParam } from '../../../shared/schemas/common.schemas.ts';
import { CreateNetwork, NetworkList, NetworkView } from '../../../shared/schemas/network.schemas.ts';
import { audit, requireOperator } from '../access.ts';
import type { AppDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonBody, jsonResponse, security, userSecurity } from '../route-helpers.ts';

export const NetworkId = idParam('network', 'net_a2b3c4d5e6f7g2h3i4j5');

export function toNetworkView(network: Network) {
  return {
    id: network.id,
    name: network.name,
    chainId: network.chainId,
    consensus: network.consensus,
    blockPeriodSeconds: network.blockPeriodSeconds,
    validators: [...network.validators],
    bootnodes: [...network.bootnodes],
    status: network.status,
    governanceAddress: network.governanceAddress ?? null,
    freeGas: true as const,
    createdAt: network.createdAt,
  };
}

export function registerNetworkRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  const findNetwork = async (networkId: string) => {
    const network = await deps.stores.networks.get(networkId);
    if (!network) throw new NotFoundError('No such network');
    return network;
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks',
      tags: ['networks'],
      summary: 'Create a network (CareChain operators only)',
      security: userSecurity,
      request: jsonBody(CreateNetwork),
      responses: { 201: jsonResponse(NetworkView, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const operator = requireOperator(c);
      const body = c.req.valid('json');
      const existing = await deps.stores.networks.list();
      if (existing.some((n) => n.chainId === body.chainId)) {
        throw new ConflictError(`Chain id ${body.chainId} is used by another network`);
      }
      const id = newId('network');
      const genesis = body.validators ? undefined : providedGenesisValidators(deps);
      const validators = body.validators ?? (await genesis?.create(id)) ?? [];
      const network = await deps.stores.networks
        .create({
          id,
          name: body.name,
          chainId: body.chainId,
          consensus: body.consensus,
          blockPeriodSeconds: body.blockPeriodSeconds,
          validators: canonicalValidators(validators),
          bootnodes: body.bootnodes,
          alloc: body.alloc,
          status: 'active',
          governanceAddress: undefined,
          createdAt: deps.clock().toISOString(),
          version: 1,
        })
        .catch(async (error: unknown) => {
          await genesis?.discard(id);
          throw error;
        });
      // The network exists either way; a chain that cannot start now is started again with the control plane.
      await genesis?.start(network).catch((error: Error) => {
        c.get('logger').warn('network chain did not start', { networkId: network.id, error: error.message });
      });
      await audit(c, deps, {
        orgId: PLATFORM_ORG_ID,
        actor: { type: 'user', id: operator.id },
        action: 'network.created',
        target: network.id,
        details: {
          name: network.name,
          chainId: network.chainId,
          validators: [...network.validators],
          genesisValidators: genesis ? 'provided by the platform' : 'named by the operator',
        },
      });
      c.get('logger').info('network created', { networkId: network.id, chainId: network.chainId });
      // Starting the chain may have recorded more about it (the bootnodes of its genesis validators).
      const current = genesis ? ((await deps.stores.networks.get(network.id)) ?? network) : network;
      return c.json(toNetworkView(current), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks',
      tags: ['networks'],
      summary: 'Networks of the consortium',
      security,
      responses: { 200: jsonResponse(NetworkList, 'Networks'), ...errorResponses },
    }),
    async (c) => {
      if (!c.get('principal')) throw new UnauthorizedError('Log in or send a bearer token');
      const networks = await deps.stores.networks.list();
      return c.json({ items: networks.map(toNetworkView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}',
      tags: ['networks'],
      summary: 'One network',
      security,
      request: { params: z.object({ networkId: NetworkId }) },
      responses: { 200: jsonResponse(NetworkView, 'The network'), ...errorResponses },
    }),
    async (c) => {
      if (!c.get('principal')) throw new UnauthorizedError('Log in or send a bearer token');
      return c.json(toNetworkView(await findNetwork(c.req.valid('param').networkId)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/genesis',
      tags: ['networks'],
      summary: 'The network’s Besu genesis.json (QBFT extraData, free gas)',
      security,
      request: { params: z.object({ networkId: NetworkId }) },
      responses: {
        200: jsonResponse(z.record(z.string(), z.unknown()), 'Besu genesis file'),
        ...errorResponses,
      },
    }),
    async (c) => {
      if (!c.get('principal')) throw new UnauthorizedError('Log in or send a bearer token');
      const network = await findNetwork(c.req.valid('param').networkId);
      return c.json(JSON.parse(genesisJson(network)) as Record<string, unknown>, 200);
    },
  );
}

function providedGenesisValidators(deps: AppDeps): NonNullable<AppDeps['genesisValidators']> {
  if (deps.genesisValidators) return deps.genesisValidators;
  throw new ValidationError('This deployment provides no genesis validators: list them', [
    { path: 'body.validators', message: 'required: the node addresses of the genesis validators' },
  ]);
}
