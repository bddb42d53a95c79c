/**
 * The votes cast on each governance proposal, beside the network item (`NET#<id>`, `GOVVOTE#<id>#<voter>`): who
 * voted, which way, and the transaction that carried the vote, so a member can see and check every vote without
 * reading the chain's history. The contract stays the authority on the tally; these items only say which
 * transactions make it up. A vote sent through the API is recorded as soon as it is mined, with the organisation
 * that signed; the governance watcher records every `VoteCast` event it reads, those sent around the API included.
 * Both writes are create-if-absent, so whichever comes second changes nothing.
 */
import { paddedProposalId } from './governance.repository.ts';
import { ConditionFailedError, type Item, type Table } from './table.ts';

export interface GovernanceVote {
  readonly networkId: string;
  readonly proposalId: number;
  readonly voter: string;
  readonly support: boolean;
  readonly transactionHash: string;
  readonly blockNumber: number | undefined;
  /** The organisation that signed, when the API sent the vote (else read from the member records). */
  readonly orgId: string | undefined;
  /** The block's time when the watcher recorded it; the moment it was mined when the API did. */
  readonly castAt: string;
}

type VoteItem = Item & GovernanceVote;

const PREFIX = 'GOVVOTE#';
const prefixOf = (proposalId: number) => `${PREFIX}${paddedProposalId(proposalId)}#`;

export class GovernanceVotesRepository {
  constructor(private readonly table: Table) {}

  /** Records a vote unless it is recorded already (one vote per member and proposal: the contract's rule). */
  async record(vote: GovernanceVote): Promise<boolean> {
    try {
      await this.table.create<VoteItem>({
        pk: `NET#${vote.networkId}`,
        sk: `${prefixOf(vote.proposalId)}${vote.voter.toLowerCase()}`,
        ...vote,
        type: 'governance-vote',
      });
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /** The votes on one proposal, in the order they were cast. */
  async list(networkId: string, proposalId: number): Promise<GovernanceVote[]> {
    const items = await this.table.queryAll<VoteItem>(`NET#${networkId}`, { beginsWith: prefixOf(proposalId) });
    return items
      .map((item) => ({
        networkId: item.networkId,
        proposalId: item.proposalId,
        voter: item.voter,
        support: item.support,
        transactionHash: item.transactionHash,
        blockNumber: item.blockNumber,
        orgId: item.orgId,
        castAt: item.castAt,
      }))
      .sort((a, b) => (a.blockNumber ?? 0) - (b.blockNumber ?? 0) || a.castAt.localeCompare(b.castAt));
  }
}
