/**
 * What the governance routes share: their path parameters and error answers, and finding a network whose
 * contract is deployed and a node the platform runs on it to talk through.
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Network } from '../../../shared/domain/network.ts';
import {
  InvalidStateError,
  NotFoundError,
  ServiceUnavailableError,
  UnauthorizedError,
} from '../../../shared/errors.ts';
import { ProposalIdParam } from '../../../shared/schemas/governance.schemas.ts';
import { type ChainEndpoint, servingEndpoints } from '../../jobs/governance/governance-chain.ts';
import type { AppDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses } from '../route-helpers.ts';
import { NetworkId } from './networks.routes.ts';

/** What the governance routes need: the API's own dependencies (the governance records are among its stores). */
export type GovernanceRouteDeps = AppDeps;

export type GovernedNetwork = Network & { governanceAddress: string };

export const NetworkParams = z.object({ networkId: NetworkId });
export const ProposalParams = z.object({ networkId: NetworkId, proposalId: ProposalIdParam });

export const serviceErrors = {
  ...errorResponses,
  502: { description: 'The network’s node failed' },
  503: { description: 'No node of the network runs now, or a transaction is not mined yet' },
} as const;

export function governanceRouteSupport(deps: GovernanceRouteDeps) {
  return {
    signedIn(c: Context<AppEnv>) {
      if (!c.get('principal')) throw new UnauthorizedError('Log in or send a bearer token');
    },

    async governedNetwork(networkId: string): Promise<GovernedNetwork> {
      const network = await deps.stores.networks.get(networkId);
      if (!network) throw new NotFoundError('No such network');
      if (!network.governanceAddress) {
        throw new InvalidStateError(
          'The network’s governance contract is not deployed yet: the control plane deploys it once a node of the ' +
            'network runs',
        );
      }
      return network as GovernedNetwork;
    },

    async anyEndpoint(network: Network): Promise<ChainEndpoint> {
      const endpoint = servingEndpoints(await deps.stores.nodes.listByNetwork(network.id), network.chainId)[0];
      if (!endpoint) {
        throw new ServiceUnavailableError('No node of this network runs now, so its contract cannot be reached');
      }
      return endpoint;
    },
  };
}
