/**
 * Consortium governance through the API: members propose and vote on the network's ConsortiumGovernance contract
 * by signing with their organisation's own keys; CareChain operators act for the platform, the founding member,
 * with `actAsPlatform`. Anyone signed in reads proposals with their tally and, for decisions the control plane
 * carries out, the execution record. Who acts, with which key and through which node, the sending, metering and
 * auditing are the governance service's (functions/services/governance/); proposing and voting check the caller
 * there, as the key named in the body decides the organisation.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { lazyOnce } from '../../../shared/lazy-once.ts';
import { NetworkId, PageQuery } from '../../../shared/schemas/common.schemas.ts';
import {
  CastVote,
  CreateProposal,
  GovernanceTransaction,
  GovernanceView,
  ProposalIdParam,
  ProposalList,
  ProposalView,
  ProposalVoteList,
  TransactionHashParam,
  VoteView,
} from '../../../shared/schemas/governance.schemas.ts';
import { operatorOnly, requestIdOf, signedIn, userAuthor } from '../access.ts';
import type { RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonBody, jsonResponse, security } from '../route-helpers.ts';

export type GovernanceRouteDeps = RouteDeps<
  'clock' | 'logger' | 'vault' | 'tenancy' | 'usage' | 'managedRuntime' | 'managedRuntimeOf' | 'nodeChanged',
  | 'networks'
  | 'nodes'
  | 'organisations'
  | 'signingKeys'
  | 'apiKeys'
  | 'audit'
  | 'platform'
  | 'governance'
  | 'governanceVotes'
>;

const NetworkParams = z.object({ networkId: NetworkId });
const ProposalParams = z.object({ networkId: NetworkId, proposalId: ProposalIdParam });
const TransactionParams = z.object({ networkId: NetworkId, hash: TransactionHashParam });
const ListQuery = PageQuery.extend({
  limit: z.coerce.number().int().min(1).max(100).optional().openapi({ description: 'Page size (default 20)' }),
});
const serviceErrors = {
  ...errorResponses,
  502: { description: 'The network’s node failed' },
  503: { description: 'No node of the network runs now, or a transaction is not mined yet' },
} as const;

export function registerGovernanceRoutes(app: OpenAPIHono<AppEnv>, deps: GovernanceRouteDeps) {
  // The service and the chain code it reaches (contracts, the decision executor) load at the first governance request.
  const governance = lazyOnce(async () => {
    const [{ GovernanceService }, { governanceJobDeps }, { retryDecision }] = await Promise.all([
      import('../../services/governance/governance.service.ts'),
      import('../../services/governance/governance-deps.ts'),
      import('../../jobs/governance/decision-executor.ts'),
    ]);
    const jobDeps = governanceJobDeps(deps, deps.stores.governance);
    return new GovernanceService({
      ...deps,
      governance: deps.stores.governance,
      jobDeps,
      // The operator's retry runs the decision executor's step now rather than on its next pass.
      retryDecision: (deployed, proposalId) => retryDecision(jobDeps, deployed, proposalId),
    });
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/governance',
      tags: ['governance'],
      summary: 'The network’s governance contract: members, validators as it records them, votes needed to pass',
      security,
      middleware: signedIn,
      request: { params: NetworkParams },
      responses: { 200: jsonResponse(GovernanceView, 'The consortium'), ...serviceErrors },
    }),
    async (c) => c.json(await (await governance()).consortium(c.req.valid('param').networkId), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/proposals',
      tags: ['governance'],
      summary: 'Proposals of the network’s consortium, newest first, with state and tally',
      security,
      middleware: signedIn,
      request: { params: NetworkParams, query: ListQuery },
      responses: { 200: jsonResponse(ProposalList, 'Proposals'), ...serviceErrors },
    }),
    async (c) => {
      const { limit = 20, cursor } = c.req.valid('query');
      return c.json(await (await governance()).proposals(c.req.valid('param').networkId, { limit, cursor }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/proposals/{proposalId}',
      tags: ['governance'],
      summary: 'One proposal: state, tally and, for decisions the control plane carries out, how that went',
      security,
      middleware: signedIn,
      request: { params: ProposalParams },
      responses: { 200: jsonResponse(ProposalView, 'The proposal'), ...serviceErrors },
    }),
    async (c) => {
      const { networkId, proposalId } = c.req.valid('param');
      return c.json(await (await governance()).proposal(networkId, proposalId), 200);
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
      middleware: signedIn,
      request: { params: ProposalParams },
      responses: { 200: jsonResponse(ProposalVoteList, 'Votes'), ...serviceErrors },
    }),
    async (c) => {
      const { networkId, proposalId } = c.req.valid('param');
      return c.json(await (await governance()).votes(networkId, proposalId), 200);
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
      middleware: signedIn,
      request: { params: TransactionParams },
      responses: { 200: jsonResponse(GovernanceTransaction, 'The transaction'), ...serviceErrors },
    }),
    async (c) => {
      const { networkId, hash } = c.req.valid('param');
      return c.json(await (await governance()).transaction(networkId, hash), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{networkId}/proposals',
      tags: ['governance'],
      summary: 'Propose admitting or removing a member, or adding or removing a validator',
      description:
        'Your organisation proposes by signing with one of its own keys (a member on this network), sent through ' +
        'one of its running nodes on the network; operators may act for the platform with `actAsPlatform`. The ' +
        'answer comes once the transaction is mined.',
      security,
      request: { params: NetworkParams, ...jsonBody(CreateProposal) },
      responses: { 201: jsonResponse(ProposalView, 'Proposed'), ...serviceErrors },
    }),
    async (c) => {
      const caller = { principal: c.get('principal'), requestId: requestIdOf(c) };
      return c.json(
        await (await governance()).propose(caller, c.req.valid('param').networkId, c.req.valid('json')),
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{networkId}/proposals/{proposalId}/votes',
      tags: ['governance'],
      summary: 'Vote on a proposal (one vote per member)',
      description: 'Signed with your organisation’s member key, or by an operator for the platform.',
      security,
      request: { params: ProposalParams, ...jsonBody(CastVote) },
      responses: { 200: jsonResponse(VoteView, 'Voted'), ...serviceErrors },
    }),
    async (c) => {
      const { networkId, proposalId } = c.req.valid('param');
      const caller = { principal: c.get('principal'), requestId: requestIdOf(c) };
      return c.json(await (await governance()).vote(caller, networkId, proposalId, c.req.valid('json')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{networkId}/proposals/{proposalId}/execution',
      tags: ['governance'],
      summary: 'Try again to carry out a refused or partial decision (CareChain operators only)',
      description: 'The BFT safety check runs again; use it once the network is fit for the change.',
      security,
      middleware: operatorOnly,
      request: { params: ProposalParams },
      responses: { 200: jsonResponse(ProposalView, 'The proposal after the attempt'), ...serviceErrors },
    }),
    async (c) => {
      const { networkId, proposalId } = c.req.valid('param');
      return c.json(await (await governance()).retryExecution(userAuthor(c), networkId, proposalId), 200);
    },
  );
}
