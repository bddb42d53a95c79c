/**
 * Deploys ConsortiumGovernance on a real anvil chain with fresh member keys, and turns reverts into the
 * contract's named custom errors so tests can say which rule refused a call.
 */
import type { Contract, Wallet } from 'ethers';
import {
  decodeGovernanceRevert,
  deployConsortiumGovernance,
  type GovernanceDeployment,
  type GovernanceRevert,
  proposalIdFromReceipt,
} from '../../../shared/chain/contracts/consortium-governance.ts';
import { type AnvilChain, send } from './anvil-chain.ts';

export const VOTING_PERIOD = 3_600;

export interface Consortium {
  readonly governance: Contract;
  readonly members: Wallet[];
}

export async function deployConsortium(
  chain: AnvilChain,
  memberCount: number,
  options: Partial<Omit<GovernanceDeployment, 'members'>> = {},
): Promise<Consortium> {
  const members = Array.from({ length: memberCount }, () => chain.newWallet());
  const governance = await deployConsortiumGovernance(
    chain.newWallet(),
    {
      members: members.map((m, i) => ({ address: m.address, orgId: `org_member${i}` })),
      votingPeriodSeconds: VOTING_PERIOD,
      minVotingPeriodSeconds: 60,
      maxVotingPeriodSeconds: 30 * 86_400,
      ...options,
    },
    { gasPrice: 0n },
  );
  return { governance, members };
}

/** Sends a propose call and returns the new proposal's id. */
export async function propose(
  governance: Contract,
  proposer: Wallet,
  method: 'proposeAdmitMember' | 'proposeRemoveMember' | 'proposeAddValidator' | 'proposeRemoveValidator',
  ...args: unknown[]
): Promise<number> {
  const votingPeriod = 0; // the deployment's default
  return proposalIdFromReceipt(await send(governance, proposer, method, ...args, votingPeriod));
}

/** The custom error a call or deployment reverted with; fails the test if it did not revert that way. */
export async function revertOf(action: Promise<unknown>): Promise<GovernanceRevert> {
  try {
    await action;
  } catch (error) {
    const revert = decodeGovernanceRevert(error);
    if (!revert) throw error;
    return revert;
  }
  throw new Error('Expected the call to revert, but it succeeded');
}

/** Event names a transaction emitted from the governance contract, in order. */
export function eventNames(
  governance: Contract,
  receipt: { logs: readonly { topics: readonly string[]; data: string }[] },
) {
  return receipt.logs.map((log) => governance.interface.parseLog(log)?.name);
}
