/**
 * Reading a network's consortium: members (with their organisations' names and the proposal that admitted
 * them) and validators (with who runs them), proposals newest first with state and tally, one proposal with how
 * the control plane carried it out, its votes with the transactions that cast them, and any governance
 * transaction's receipt. Anyone signed in reads them (session or API key): what a consortium decides is shared
 * by its members, and the chain shows it to every node anyway. Answers come from the chain through a node the
 * platform runs, joined with what only the control plane knows.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { BaseContract } from 'ethers';
import {
  connectConsortiumGovernance,
  readProposalCount,
} from '../../../shared/chain/contracts/consortium-governance.ts';
import { BadRequestError, NotFoundError } from '../../../shared/errors.ts';
import { PageQuery } from '../../../shared/schemas/common.schemas.ts';
import {
  GovernanceTransaction,
  GovernanceView,
  ProposalList,
  ProposalView,
  ProposalVoteList,
  TransactionHashParam,
} from '../../../shared/schemas/governance.schemas.ts';
import { readGovernance } from '../../jobs/governance/governance-chain.ts';
import { readGovernanceTransaction } from '../../jobs/governance/governance-transaction.ts';
import { readConsortium, readProposalViews, readProposalVotes } from '../../jobs/governance/proposal-views.ts';
import type { AppEnv } from '../app-env.ts';
import { jsonResponse, security } from '../route-helpers.ts';
import {
  type GovernanceRouteDeps,
  governanceRouteSupport,
  NetworkParams,
  ProposalParams,
  serviceErrors,
} from './governance-route-support.ts';
import { NetworkId } from './networks.routes.ts';

const ListQuery = PageQuery.extend({
  limit: z.coerce.number().int().min(1).max(100).optional().openapi({ description: 'Page size (default 20)' }),
});
const TransactionParams = z.object({ networkId: NetworkId, hash: TransactionHashParam });

export function registerGovernanceReadRoutes(app: OpenAPIHono<AppEnv>, deps: GovernanceRouteDeps) {
  const { signedIn, governedNetwork, anyEndpoint } = governanceRouteSupport(deps);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/governance',
      tags: ['governance'],
      summary: 'The network’s consortium: members, validators and who runs them, votes needed to pass',
      security,
      request: { params: NetworkParams },
      responses: { 200: jsonResponse(GovernanceView, 'The consortium'), ...serviceErrors },
    }),
    async (c) => {
      signedIn(c);
      const network = await governedNetwork(c.req.valid('param').networkId);
      return c.json(await readConsortium(deps.stores, network, await anyEndpoint(network)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/proposals',
      tags: ['governance'],
      summary: 'Proposals of the network’s consortium, newest first, with state and tally',
      security,
      request: { params: NetworkParams, query: ListQuery },
      responses: { 200: jsonResponse(ProposalList, 'Proposals'), ...serviceErrors },
    }),
    async (c) => {
      signedIn(c);
      const { limit = 20, cursor } = c.req.valid('query');
      const network = await governedNetwork(c.req.valid('param').networkId);
      const endpoint = await anyEndpoint(network);
      const count = await readGovernance(endpoint, (provider) =>
        readProposalCount(connectConsortiumGovernance(network.governanceAddress, provider) as BaseContract),
      );
      let below = count + 1;
      if (cursor !== undefined) {
        if (!/^\d{1,15}$/.test(cursor)) throw new BadRequestError('The cursor is not one this API returned');
        below = Math.min(Number(cursor), below);
      }
      const ids: number[] = [];
      for (let id = below - 1; id >= 1 && ids.length < limit; id--) ids.push(id);
      const items = await readProposalViews(deps.stores, network, endpoint, ids);
      const last = ids.at(-1);
      return c.json({ items, nextCursor: last !== undefined && last > 1 ? String(last) : null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/proposals/{proposalId}',
      tags: ['governance'],
      summary: 'One proposal: state, tally and, for decisions the control plane carries out, how that went',
      security,
      request: { params: ProposalParams },
      responses: { 200: jsonResponse(ProposalView, 'The proposal'), ...serviceErrors },
    }),
    async (c) => {
      signedIn(c);
      const { networkId, proposalId } = c.req.valid('param');
      const network = await governedNetwork(networkId);
      const [view] = await readProposalViews(deps.stores, network, await anyEndpoint(network), [proposalId]);
      return c.json(view as ProposalView, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/proposals/{proposalId}/votes',
      tags: ['governance'],
      summary: 'The votes on a proposal, in the order they were cast, each with its transaction',
      description:
        'Votes sent through the API appear as soon as they are mined; votes sent to the contract directly once ' +
        'the governance watcher has read their block (within seconds).',
      security,
      request: { params: ProposalParams },
      responses: { 200: jsonResponse(ProposalVoteList, 'Votes'), ...serviceErrors },
    }),
    async (c) => {
      signedIn(c);
      const { networkId, proposalId } = c.req.valid('param');
      const network = await governedNetwork(networkId);
      // Reading the proposal first answers 404 for one that does not exist, rather than an empty list.
      await readProposalViews(deps.stores, network, await anyEndpoint(network), [proposalId]);
      return c.json(await readProposalVotes(deps.stores, network.id, proposalId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/transactions/{hash}',
      tags: ['governance'],
      summary: 'A governance transaction: state, block and the contract’s events it emitted',
      description:
        'Only transactions sent to the network’s governance contract (or emitting its events) are answered; any ' +
        'other hash is 404. Members read any transaction of their own through the JSON-RPC gateway ' +
        '(`eth_getTransactionReceipt`) with an API key.',
      security,
      request: { params: TransactionParams },
      responses: { 200: jsonResponse(GovernanceTransaction, 'The transaction'), ...serviceErrors },
    }),
    async (c) => {
      signedIn(c);
      const { networkId, hash } = c.req.valid('param');
      const network = await governedNetwork(networkId);
      const transaction = await readGovernanceTransaction(network, await anyEndpoint(network), hash);
      if (!transaction) throw new NotFoundError('No governance transaction with that hash on this network');
      return c.json(transaction, 200);
    },
  );
}
