/**
 * Reads a network's governance events from a cursor (the first block not read yet) with `eth_getLogs` in bounded
 * ranges, and turns them into what the control plane must know or do:
 * - MemberAdmitted / MemberRemoved: which organisation holds which member address (audited in that
 *   organisation's log when the organisation is one of ours);
 * - ProposalPassed for a validator change or a member removal: a `pending` execution record for the executor;
 * - VoteCast: the vote with its transaction, so a proposal's page lists every vote, those sent around the API too;
 * - ProposalCreated, ProposalPassed, ProposalRejected, ProposalExpired: `proposal.created` and `proposal.decided`
 *   events for the network's member organisations (and the organisation a proposal is about), written into the
 *   cursor's outbox by the same write that moves the cursor past the range.
 * The cursor moves only after a range is handled, and every handler is idempotent, so a crash re-reads at most
 * one range and changes nothing twice, and records each event once.
 */
import type { BaseContract, JsonRpcProvider, Log } from 'ethers';
import { getAddress } from 'ethers/address';
import { ZeroHash } from 'ethers/constants';
import {
  connectConsortiumGovernance,
  consortiumGovernanceInterface,
  orgIdFromOrgRef,
  readProposal,
} from '../../../shared/chain/contracts/consortium-governance.ts';
import { type OutboxEntry, outboxFor, type PlatformEvent, platformEvent } from '../../../shared/domain/events.ts';
import { PROPOSAL_KINDS } from '../../../shared/domain/governance.ts';
import { ConditionFailedError } from '../../../shared/store/table.ts';
import { type ChainEndpoint, withProvider } from '../../services/governance/chain-endpoints.ts';
import type { DeployedGovernance } from '../../services/governance/governance-deployer.ts';
import { GOVERNANCE_ACTOR, type GovernanceJobDeps } from '../../services/governance/governance-deps.ts';

const DECISIONS_FOR_THE_CONTROL_PLANE = new Set(['add-validator', 'remove-validator', 'remove-member']);

export interface WatchReport {
  readonly fromBlock: number;
  /** The first block still to read. */
  readonly nextBlock: number;
  readonly events: number;
  readonly decisions: number;
}

export async function watchGovernanceEvents(
  deps: GovernanceJobDeps,
  deployed: DeployedGovernance,
  endpoint: ChainEndpoint,
): Promise<WatchReport> {
  const networkId = deployed.network.id;
  const address = deployed.network.governanceAddress;
  const range = Math.max(1, deps.maxBlockRange ?? 500);
  const maxRanges = Math.max(1, deps.maxRangesPerPass ?? 20);
  let cursor = await deps.governance.getCursor(networkId);
  const fromBlock = cursor?.nextBlock ?? deployed.deployment.blockNumber ?? 0;
  let next = fromBlock;
  let events = 0;
  let decisions = 0;

  await withProvider(endpoint, async (provider) => {
    const contract: BaseContract = await connectConsortiumGovernance(address, provider);
    const head = await provider.getBlockNumber();
    for (let ranges = 0; next <= head && ranges < maxRanges; ranges++) {
      const toBlock = Math.min(head, next + range - 1);
      const logs = await provider.getLogs({ address, fromBlock: next, toBlock });
      const outbox: OutboxEntry[] = [];
      for (const log of logs) {
        events++;
        if (await handleLog(deps, networkId, contract, provider, log)) decisions++;
        outbox.push(...(await proposalEvents(deps, networkId, log)));
      }
      try {
        cursor = await deps.governance.advanceCursor(networkId, cursor, toBlock + 1, outbox);
      } catch (error) {
        // Another watcher moved the cursor: it has read (or is reading) the same blocks; leave the rest to it.
        if (error instanceof ConditionFailedError) return;
        throw error;
      }
      next = toBlock + 1;
    }
  });
  return { fromBlock, nextBlock: next, events, decisions };
}

/** Handles one log; returns whether it opened a decision for the executor. */
async function handleLog(
  deps: GovernanceJobDeps,
  networkId: string,
  contract: BaseContract,
  provider: JsonRpcProvider,
  log: Log,
): Promise<boolean> {
  const parsed = consortiumGovernanceInterface.parseLog({ topics: [...log.topics], data: log.data });
  if (!parsed) return false;
  switch (parsed.name) {
    case 'MemberAdmitted': {
      const member = String(parsed.args.getValue('member'));
      const orgId = safeOrgId(String(parsed.args.getValue('orgRef')));
      const proposalId = Number(parsed.args.getValue('proposalId'));
      const { created } = await deps.governance.recordMemberAdmitted({
        networkId,
        address: member,
        orgId,
        admittedBy: proposalId,
      });
      if (created && orgId && (await deps.stores.organisations.get(orgId))) {
        await deps.stores.audit.append({
          orgId,
          at: deps.clock().toISOString(),
          actor: GOVERNANCE_ACTOR,
          action: 'governance.member-admitted',
          target: `${networkId}/members/${member}`,
          requestId: undefined,
          details: {
            networkId,
            member,
            proposalId,
            blockNumber: log.blockNumber,
            transactionHash: log.transactionHash,
          },
        });
      }
      return false;
    }
    case 'MemberRemoved': {
      const member = String(parsed.args.getValue('member'));
      await deps.governance.recordMemberRemoved(networkId, member, Number(parsed.args.getValue('proposalId')));
      return false;
    }
    case 'VoteCast': {
      const block = await provider.getBlock(log.blockNumber);
      await deps.stores.governanceVotes.record({
        networkId,
        proposalId: Number(parsed.args.getValue('id')),
        voter: getAddress(String(parsed.args.getValue('voter'))),
        support: Boolean(parsed.args.getValue('support')),
        transactionHash: log.transactionHash,
        blockNumber: log.blockNumber,
        orgId: undefined,
        castAt: new Date((block?.timestamp ?? deps.clock().getTime() / 1000) * 1000).toISOString(),
      });
      return false;
    }
    case 'ProposalPassed': {
      const proposalId = Number(parsed.args.getValue('id'));
      const proposal = await readProposal(contract, proposalId);
      if (!DECISIONS_FOR_THE_CONTROL_PLANE.has(proposal.kind)) return false;
      await deps.governance.ensureExecution({ networkId, proposalId, kind: proposal.kind, subject: proposal.subject });
      return true;
    }
    default:
      return false;
  }
}

const DECISIONS: Readonly<Record<string, 'passed' | 'rejected' | 'expired'>> = {
  ProposalPassed: 'passed',
  ProposalRejected: 'rejected',
  ProposalExpired: 'expired',
};

/**
 * The `proposal.created` / `proposal.decided` events one log stands for, one per organisation told: every member
 * organisation of the network, and the organisation a proposal is about when it is one of ours.
 */
async function proposalEvents(deps: GovernanceJobDeps, networkId: string, log: Log): Promise<OutboxEntry[]> {
  const parsed = consortiumGovernanceInterface.parseLog({ topics: [...log.topics], data: log.data });
  if (!parsed) return [];
  if (parsed.name !== 'ProposalCreated' && !DECISIONS[parsed.name]) return [];
  const chain = { networkId, transactionHash: log.transactionHash, blockNumber: log.blockNumber };
  const proposalId = Number(parsed.args.getValue('id'));
  let type: 'proposal.created' | 'proposal.decided';
  let data: Record<string, unknown>;
  let subjectOrg: string | undefined;
  if (parsed.name === 'ProposalCreated') {
    type = 'proposal.created';
    subjectOrg = safeOrgId(String(parsed.args.getValue('orgRef')));
    data = {
      ...chain,
      proposalId,
      kind: PROPOSAL_KINDS[Number(parsed.args.getValue('kind'))] ?? 'unknown',
      subject: getAddress(String(parsed.args.getValue('subject'))),
      proposer: getAddress(String(parsed.args.getValue('proposer'))),
      expiresAt: new Date(Number(parsed.args.getValue('expiresAt')) * 1000).toISOString(),
    };
  } else {
    type = 'proposal.decided';
    data = { ...chain, proposalId, outcome: DECISIONS[parsed.name] };
  }
  const members = await deps.governance.listMembers(networkId);
  const orgs = new Set(members.filter((m) => m.orgId && m.removedBy === undefined).map((m) => m.orgId as string));
  if (subjectOrg && (await deps.stores.organisations.get(subjectOrg))) orgs.add(subjectOrg);
  const at = deps.clock();
  const events: PlatformEvent[] = [...orgs].sort().map((orgId) => platformEvent(type, orgId, at, data));
  return outboxFor(events);
}

/** An organisation id from the bytes32 a member recorded; anything that is not text is no id of ours. */
function safeOrgId(orgRef: string): string | undefined {
  if (orgRef === ZeroHash) return undefined;
  try {
    return orgIdFromOrgRef(orgRef);
  } catch {
    // Not UTF-8 text: a member recorded some other reference; it names no organisation here.
    return undefined;
  }
}
