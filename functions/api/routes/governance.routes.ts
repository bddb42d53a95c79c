/**
 * Consortium governance through the API: members propose and vote on the network's ConsortiumGovernance contract
 * by signing with their organisation's own keys (VaultSigner, sent through one of their running nodes on the
 * network); CareChain operators act for the platform, the founding member, with `actAsPlatform`. Anyone signed in
 * reads proposals with their tally and, for decisions the control plane carries out, the execution record.
 * The contract's refusals come back as 403/404/409 with its reason; every action and refusal is audited in the
 * acting organisation's log, and every signature metered.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { BaseContract, TransactionReceipt } from 'ethers';
import type { Context } from 'hono';
import {
  connectConsortiumGovernance,
  consortiumGovernanceInterface,
  orgRefFromOrgId,
  readMembers,
  readProposalCount,
} from '../../../shared/chain/contracts/consortium-governance.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import {
  BadRequestError,
  InvalidStateError,
  NotFoundError,
  ServiceUnavailableError,
  UnauthorizedError,
  ValidationError,
} from '../../../shared/errors.ts';
import { PageQuery } from '../../../shared/schemas/common.schemas.ts';
import {
  CastVote,
  CreateProposal,
  GovernanceView,
  ProposalIdParam,
  ProposalList,
  ProposalView,
  VoteView,
} from '../../../shared/schemas/governance.schemas.ts';
import type { GovernanceRepository, ProposalOrigin } from '../../../shared/store/governance.repository.ts';
import { retryDecision } from '../../jobs/governance/decision-executor.ts';
import {
  type ChainEndpoint,
  readGovernance,
  sendGovernanceCall,
  servingEndpoints,
  type VaultAccount,
} from '../../services/governance/governance-chain.ts';
import { ensureGovernanceDeployed } from '../../services/governance/governance-deployer.ts';
import { governanceJobDeps } from '../../services/governance/governance-deps.ts';
import { GovernanceRefusedError } from '../../services/governance/governance-refusal.ts';
import { resolveSubject } from '../../services/governance/proposal-subject.ts';
import { readConsortium, readProposalViews } from '../../services/governance/proposal-views.ts';
import { type Actor, audit, requireOperator, requireOrgAccess } from '../access.ts';
import type { AppDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonBody, jsonResponse, security } from '../route-helpers.ts';
import { NetworkId } from './networks.routes.ts';

/** The API's dependencies plus the governance records (once `Stores` carries them, AppDeps is enough). */
export type GovernanceRouteDeps = Omit<AppDeps, 'stores'> & {
  readonly stores: AppDeps['stores'] & { readonly governance: GovernanceRepository };
};

const NetworkParams = z.object({ networkId: NetworkId });
const ProposalParams = z.object({ networkId: NetworkId, proposalId: ProposalIdParam });
const ListQuery = PageQuery.extend({
  limit: z.coerce.number().int().min(1).max(100).optional().openapi({ description: 'Page size (default 20)' }),
});
const serviceErrors = {
  ...errorResponses,
  502: { description: 'The network’s node failed' },
  503: { description: 'No node of the network runs now, or a transaction is not mined yet' },
} as const;

/** Who acts, with which key, through which node. */
interface Acting {
  readonly orgId: string;
  readonly actor: Actor;
  readonly keyId: string | undefined;
  readonly account: VaultAccount;
  readonly endpoint: ChainEndpoint;
}

export function registerGovernanceRoutes(app: OpenAPIHono<AppEnv>, deps: GovernanceRouteDeps) {
  const governance = deps.stores.governance;
  const jobDeps = governanceJobDeps(deps, governance);

  const signedIn = (c: Context<AppEnv>) => {
    if (!c.get('principal')) throw new UnauthorizedError('Log in or send a bearer token');
  };

  const governedNetwork = async (networkId: string) => {
    const network = await deps.stores.networks.get(networkId);
    if (!network) throw new NotFoundError('No such network');
    if (!network.governanceAddress) {
      throw new InvalidStateError(
        'The network’s governance contract is not deployed yet: the control plane deploys it once a node of the ' +
          'network runs',
      );
    }
    return network as Network & { governanceAddress: string };
  };

  const anyEndpoint = async (network: Network): Promise<ChainEndpoint> => {
    const endpoint = servingEndpoints(await deps.stores.nodes.listByNetwork(network.id), network.chainId)[0];
    if (!endpoint) {
      throw new ServiceUnavailableError('No node of this network runs now, so its contract cannot be reached');
    }
    return endpoint;
  };

  /** The signer and the node to send through: the platform for operators, else the caller's own key and node. */
  const acting = async (
    c: Context<AppEnv>,
    body: { keyId?: string; actAsPlatform: boolean },
    network: Network,
  ): Promise<Acting> => {
    if (body.actAsPlatform) {
      const operator = requireOperator(c);
      const platform = await deps.stores.platform.getSigningKey();
      if (!platform) throw new ServiceUnavailableError('The platform key is not set up yet');
      return {
        orgId: PLATFORM_ORG_ID,
        actor: { type: 'user', id: operator.id },
        keyId: undefined,
        account: { vault: deps.vault, keyRef: platform.keyRef, address: platform.address },
        endpoint: await anyEndpoint(network),
      };
    }
    const principal = c.get('principal');
    if (!principal) throw new UnauthorizedError('Log in or send a bearer token');
    const keyId = body.keyId as string;
    const orgIds =
      principal.kind === 'api_key'
        ? [principal.apiKey.orgId]
        : (await deps.stores.organisations.membershipsOf(principal.user.id)).map((m) => m.orgId);
    const found = await Promise.all(orgIds.map((orgId) => deps.stores.signingKeys.get(orgId, keyId)));
    const key = found.find((k) => k !== undefined);
    if (!key) throw new NotFoundError('No such signing key in your organisations');
    const access = await requireOrgAccess(c, deps, key.orgId, { role: 'developer' });
    if (key.state !== 'enabled') {
      throw new InvalidStateError(`The signing key is ${key.state} and cannot sign; enable it first`);
    }
    // The organisation's own managed node first; else any node the platform runs on the network. Never a
    // self-hosted node: the platform sends its requests only to nodes it runs.
    const nodes = await deps.stores.nodes.listByNetwork(network.id);
    const endpoint =
      servingEndpoints(
        nodes.filter((n) => n.orgId === key.orgId),
        network.chainId,
      )[0] ?? servingEndpoints(nodes, network.chainId)[0];
    if (!endpoint) {
      throw new ServiceUnavailableError(
        'No node the platform runs serves this network now, so the transaction cannot be sent; try again shortly',
      );
    }
    return {
      orgId: key.orgId,
      actor: access.actor,
      keyId: key.id,
      account: { vault: deps.vault, keyRef: key.keyRef, address: key.address },
      endpoint,
    };
  };

  /** Sends a governance call as the acting party, metering and auditing the signature; audits a refusal as `refused`. */
  const sendAs = async (
    c: Context<AppEnv>,
    who: Acting,
    network: Network & { governanceAddress: string },
    method: string,
    args: unknown[],
    refused: { action: string; target: string; details: Record<string, unknown> },
  ) => {
    try {
      const sent = await sendGovernanceCall(who.endpoint, who.account, network.governanceAddress, method, args);
      if (who.keyId) {
        deps.usage?.record(who.orgId, 'signatures', 1);
        await audit(c, deps, {
          orgId: who.orgId,
          actor: who.actor,
          action: 'signing-key.signed',
          target: who.keyId,
          details: {
            keyId: who.keyId,
            address: who.account.address,
            digest: sent.hash,
            purpose: 'transaction',
            nodeId: who.endpoint.nodeId,
            nonce: sent.nonce,
            governance: method,
          },
        });
      }
      return sent;
    } catch (error) {
      if (error instanceof GovernanceRefusedError) {
        await audit(c, deps, {
          orgId: who.orgId,
          actor: who.actor,
          action: refused.action,
          target: refused.target,
          details: { ...refused.details, signer: who.account.address, rule: error.rule, reason: error.message },
        });
      }
      throw error;
    }
  };

  const viewOf = (network: Network & { governanceAddress: string }, endpoint: ChainEndpoint, ids: number[]) =>
    readProposalViews(governance, network, endpoint, ids);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/governance',
      tags: ['governance'],
      summary: 'The network’s governance contract: members, validators as it records them, votes needed to pass',
      security,
      request: { params: NetworkParams },
      responses: { 200: jsonResponse(GovernanceView, 'The consortium'), ...serviceErrors },
    }),
    async (c) => {
      signedIn(c);
      const network = await governedNetwork(c.req.valid('param').networkId);
      return c.json(await readConsortium(network, await anyEndpoint(network)), 200);
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
      const items = await viewOf(network, endpoint, ids);
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
      const [view] = await viewOf(network, await anyEndpoint(network), [proposalId]);
      return c.json(view as ProposalView, 200);
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
      const body = c.req.valid('json');
      const network = await governedNetwork(c.req.valid('param').networkId);
      const who = await acting(c, body, network);
      const subject = await resolveSubject(deps.stores, network, body, () =>
        readGovernance(who.endpoint, (provider) =>
          readMembers(connectConsortiumGovernance(network.governanceAddress, provider) as BaseContract),
        ),
      );
      const period = body.votingPeriodSeconds ?? 0;
      const call: [string, unknown[]] =
        body.kind === 'admit-member'
          ? ['proposeAdmitMember', [subject.address, orgRefFromOrgId(subject.orgId), period]]
          : body.kind === 'remove-member'
            ? ['proposeRemoveMember', [subject.address, period]]
            : body.kind === 'add-validator'
              ? ['proposeAddValidator', [subject.address, period]]
              : ['proposeRemoveValidator', [subject.address, period]];
      const details = { networkId: network.id, kind: body.kind, subject: subject.address, subjectOrgId: subject.orgId };
      const sent = await sendAs(c, who, network, call[0], call[1], {
        action: 'governance.proposal-refused',
        target: `${network.id}/proposals`,
        details,
      });
      const proposalId = createdProposalId(sent.receipt);
      const origin: ProposalOrigin = {
        networkId: network.id,
        proposalId,
        kind: body.kind,
        orgId: who.orgId,
        keyId: who.keyId,
        proposer: who.account.address,
        subjectOrgId: subject.orgId,
        nodeId: subject.nodeId,
        transactionHash: sent.hash,
        createdAt: deps.clock().toISOString(),
      };
      await governance.recordOrigin(origin);
      await audit(c, deps, {
        orgId: who.orgId,
        actor: who.actor,
        action: 'governance.proposal-created',
        target: `${network.id}/proposals/${proposalId}`,
        details: { ...details, proposalId, proposer: who.account.address, transactionHash: sent.hash },
      });
      const [view] = await viewOf(network, who.endpoint, [proposalId]);
      return c.json(view as ProposalView, 201);
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
      const body = c.req.valid('json');
      const network = await governedNetwork(networkId);
      const who = await acting(c, body, network);
      const target = `${network.id}/proposals/${proposalId}`;
      const details = { networkId: network.id, proposalId, support: body.support };
      const sent = await sendAs(c, who, network, 'vote', [proposalId, body.support], {
        action: 'governance.vote-refused',
        target,
        details,
      });
      await audit(c, deps, {
        orgId: who.orgId,
        actor: who.actor,
        action: 'governance.vote-cast',
        target,
        details: { ...details, voter: who.account.address, transactionHash: sent.hash },
      });
      const [proposal] = await viewOf(network, who.endpoint, [proposalId]);
      return c.json(
        {
          voter: who.account.address,
          support: body.support,
          transactionHash: sent.hash,
          proposal: proposal as ProposalView,
        },
        200,
      );
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
      request: { params: ProposalParams },
      responses: { 200: jsonResponse(ProposalView, 'The proposal after the attempt'), ...serviceErrors },
    }),
    async (c) => {
      const operator = requireOperator(c);
      const { networkId, proposalId } = c.req.valid('param');
      const network = await governedNetwork(networkId);
      const deployed = await ensureGovernanceDeployed(jobDeps, network);
      if (!deployed) throw new ServiceUnavailableError('No node of this network runs now');
      const execution = await retryDecision(jobDeps, deployed, proposalId);
      await audit(c, deps, {
        orgId: PLATFORM_ORG_ID,
        actor: { type: 'user', id: operator.id },
        action: 'governance.execution-retried',
        target: `${network.id}/proposals/${proposalId}`,
        details: { networkId: network.id, proposalId, state: execution.state, code: execution.code },
      });
      const [view] = await viewOf(network, await anyEndpoint(network), [proposalId]);
      return c.json(view as ProposalView, 200);
    },
  );
}

function createdProposalId(receipt: TransactionReceipt): number {
  for (const log of receipt.logs) {
    const parsed = consortiumGovernanceInterface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed?.name === 'ProposalCreated') return Number(parsed.args.getValue('id'));
  }
  throw new ValidationError(`Transaction ${receipt.hash} created no proposal`);
}
