/**
 * A proposal in a sentence a member reads at a glance ("Admit Apotek Norr"), its tally in words, and the time
 * left to vote. Addresses are shortened only where the full value is one click away.
 */
import type { Proposal } from '../../api/api-types.ts';
import { shortHex } from '../../components/format.ts';

/** The organisation a proposal is about, by name when the control plane knows it. */
export function subjectName(proposal: Proposal): string {
  return proposal.orgName ?? proposal.orgId ?? shortHex(proposal.subject);
}

export function describeProposal(proposal: Proposal): string {
  switch (proposal.kind) {
    case 'admit-member':
      return `Admit ${subjectName(proposal)}`;
    case 'remove-member':
      return `Remove ${subjectName(proposal)}`;
    case 'add-validator':
      return `Add validator ${shortHex(proposal.subject)}${proposal.orgName ? ` (${proposal.orgName})` : ''}`;
    case 'remove-validator':
      return `Remove validator ${shortHex(proposal.subject)}${proposal.orgName ? ` (${proposal.orgName})` : ''}`;
  }
}

/** While voting is open, against the votes needed now; once decided, the votes as cast (membership may have changed since). */
export function tallyWords(proposal: Proposal): string {
  const { yes, no, votesToPass } = proposal.tally;
  if (proposal.state !== 'active') return `${yes} yes, ${no} no`;
  return `${yes} of ${votesToPass} yes votes needed${no > 0 ? `, ${no} no` : ''}`;
}

/** "6 days 23 h left", "40 min left", or when it closed. */
export function timeLeft(proposal: Proposal, now = Date.now()): string {
  const ms = Date.parse(proposal.expiresAt) - now;
  if (proposal.state !== 'active' || ms <= 0) return 'Voting closed';
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days} ${days === 1 ? 'day' : 'days'}${hours > 0 ? ` ${hours} h` : ''} left`;
  if (hours > 0) return `${hours} h ${minutes % 60} min left`;
  return minutes > 0 ? `${minutes} min left` : 'Less than a minute left';
}

export const VOTING_PERIODS: ReadonlyArray<readonly [number | undefined, string]> = [
  [undefined, 'The network’s default (7 days)'],
  [3600, '1 hour'],
  [86_400, '1 day'],
  [3 * 86_400, '3 days'],
  [14 * 86_400, '14 days'],
  [30 * 86_400, '30 days'],
];
