/**
 * Networks: operators create them, everyone signed in lists them and downloads their genesis.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Network } from '../../../shared/domain/network.ts';
import { NotFoundError } from '../../../shared/errors.ts';
import { lazyOnce } from '../../../shared/lazy-once.ts';
import { NetworkId } from '../../../shared/schemas/common.schemas.ts';
import { CreateNetwork, NetworkList, NetworkView } from '../../../shared/schemas/network.schemas.ts';
import { createNetwork } from '../../services/networks/network-creation.ts';
import { operatorOnly, signedIn, userAuthor } from '../access.ts';
import type { RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonBody, jsonResponse, security, userSecurity } from '../route-helpers.ts';

/** The genesis writer (extraData encodings per consensus), loaded with the first genesis asked for. */
const loadGenesisWriter = lazyOnce(() => import('../../../shared/chain/besu/genesis.ts'));

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
    didRegistryAddress: network.didRegistryAddress ?? null,
    consentLedgerAddress: network.consentLedgerAddress ?? null,
    freeGas: true as const,
    createdAt: network.createdAt,
  };
}

export type NetworkRouteDeps = RouteDeps<'clock' | 'genesisValidators', 'networks' | 'audit'>;

export function registerNetworkRoutes(app: OpenAPIHono<AppEnv>, deps: NetworkRouteDeps) {
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
      middleware: operatorOnly,
      request: jsonBody(CreateNetwork),
      responses: { 201: jsonResponse(NetworkView, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const network = await createNetwork(deps, userAuthor(c), c.req.valid('json'), c.get('logger'));
      return c.json(toNetworkView(network), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks',
      tags: ['networks'],
      summary: 'Networks of the consortium',
      security,
      middleware: signedIn,
      responses: { 200: jsonResponse(NetworkList, 'Networks'), ...errorResponses },
    }),
    async (c) => {
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
      middleware: signedIn,
      request: { params: z.object({ networkId: NetworkId }) },
      responses: { 200: jsonResponse(NetworkView, 'The network'), ...errorResponses },
    }),
    async (c) => {
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
      middleware: signedIn,
      request: { params: z.object({ networkId: NetworkId }) },
      responses: {
        200: jsonResponse(z.record(z.string(), z.unknown()), 'Besu genesis file'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const network = await findNetwork(c.req.valid('param').networkId);
      const { genesisJson } = await loadGenesisWriter();
      return c.json(JSON.parse(genesisJson(network)) as Record<string, unknown>, 200);
    },
  );
}
