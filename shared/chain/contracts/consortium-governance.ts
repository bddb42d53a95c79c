/**
 * The ConsortiumGovernance contract for TypeScript: ABI and bytecode straight from the compiled artefact (the ABI
 * from its code-less copy; the code, read at the first deployment, from the whole one), and helpers to deploy it,
 * find it and read it with ethers as plain, typed values (ids and tallies as numbers, times as ISO strings, kinds and
 * states as the words the API uses).
 */
import type {
  BaseContract,
  Contract,
  ContractRunner,
  ContractTransactionReceipt,
  InterfaceAbi,
  Overrides,
  Signer,
} from 'ethers';
import { decodeBytes32String, encodeBytes32String, Interface } from 'ethers/abi';
import { ZeroAddress, ZeroHash } from 'ethers/constants';
import { PROPOSAL_KINDS, PROPOSAL_STATES, type ProposalKind, type ProposalState } from '../../domain/governance.ts';
import { PlatformError } from '../../errors.ts';
import { lazyOnce } from '../../lazy-once.ts';
import { loadChainClients } from '../chain-clients.ts';
import artefact from './build/ConsortiumGovernance.abi.json' with { type: 'json' };

export const CONSORTIUM_GOVERNANCE_ABI: InterfaceAbi = artefact.abi;
/** The creation code, 10 KB: read from the whole artefact when a deployment first needs it. */
export const consortiumGovernanceBytecode = lazyOnce(
  async () => (await import('./build/ConsortiumGovernance.json', { with: { type: 'json' } })).default.bytecode,
);
export const CONSORTIUM_GOVERNANCE_COMPILER: string = artefact.compiler.version;
export const consortiumGovernanceInterface = new Interface(CONSORTIUM_GOVERNANCE_ABI);

const DAY_SECONDS = 86_400;

export const VOTING_PERIOD_DEFAULTS = {
  votingPeriodSeconds: 7 * DAY_SECONDS,
  minVotingPeriodSeconds: 3_600,
  maxVotingPeriodSeconds: 30 * DAY_SECONDS,
} as const;

export interface GovernanceDeployment {
  /** Founding members: organisations' signing-key addresses, each with an optional organisation id. */
  readonly members: readonly { readonly address: string; readonly orgId?: string }[];
  /** The network's validators at genesis, so the contract starts from the real set. @default [] */
  readonly validators?: readonly string[];
  /** @default 7 days */
  readonly votingPeriodSeconds?: number;
  /** Lower bound for a proposal's own voting period. @default 1 hour */
  readonly minVotingPeriodSeconds?: number;
  /** Upper bound for a proposal's own voting period. @default 30 days */
  readonly maxVotingPeriodSeconds?: number;
  /** Account that may record validator changes as executed besides members (the platform key). @default none */
  readonly executor?: string;
}

export interface GovernanceMember {
  readonly address: string;
  /** The organisation id recorded with the member, if any. */
  readonly orgId: string | undefined;
  readonly admittedAt: string;
}

export interface GovernanceProposal {
  readonly id: number;
  readonly kind: ProposalKind;
  readonly state: ProposalState;
  /** The member or validator address the proposal is about. */
  readonly subject: string;
  /** For admit-member: the organisation id to record with the new member. */
  readonly orgId: string | undefined;
  readonly proposer: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly executedAt: string | undefined;
  readonly yesVotes: number;
  readonly noVotes: number;
}

/** An organisation id as the contract stores it (bytes32); ids are short ASCII, well under 32 bytes. */
export function orgRefFromOrgId(orgId: string | undefined): string {
  return orgId === undefined ? ZeroHash : encodeBytes32String(orgId);
}

export function orgIdFromOrgRef(orgRef: string): string | undefined {
  return orgRef === ZeroHash ? undefined : decodeBytes32String(orgRef);
}

export async function deployConsortiumGovernance(
  signer: Signer,
  deployment: GovernanceDeployment,
  overrides: Overrides = {},
): Promise<Contract> {
  const { ContractFactory } = await loadChainClients();
  const factory = new ContractFactory(CONSORTIUM_GOVERNANCE_ABI, await consortiumGovernanceBytecode(), signer);
  const deployed = await factory.deploy(
    deployment.members.map((m) => m.address),
    deployment.members.map((m) => orgRefFromOrgId(m.orgId)),
    deployment.validators ?? [],
    deployment.votingPeriodSeconds ?? VOTING_PERIOD_DEFAULTS.votingPeriodSeconds,
    deployment.minVotingPeriodSeconds ?? VOTING_PERIOD_DEFAULTS.minVotingPeriodSeconds,
    deployment.maxVotingPeriodSeconds ?? VOTING_PERIOD_DEFAULTS.maxVotingPeriodSeconds,
    deployment.executor ?? ZeroAddress,
    overrides,
  );
  await deployed.waitForDeployment();
  return connectConsortiumGovernance(await deployed.getAddress(), signer);
}

export async function connectConsortiumGovernance(address: string, runner: ContractRunner): Promise<Contract> {
  const { Contract } = await loadChainClients();
  return new Contract(address, consortiumGovernanceInterface, runner);
}

export async function readMembers(contract: BaseContract): Promise<GovernanceMember[]> {
  const rows: { account: string; orgRef: string; admittedAt: bigint }[] = await contract.getFunction('members')();
  return rows.map((row) => ({
    address: row.account,
    orgId: orgIdFromOrgRef(row.orgRef),
    admittedAt: isoFromSeconds(row.admittedAt),
  }));
}

export async function readValidators(contract: BaseContract): Promise<string[]> {
  const validators: string[] = await contract.getFunction('validators')();
  return [...validators];
}

export async function readProposalCount(contract: BaseContract): Promise<number> {
  return Number(await contract.getFunction('proposalCount')());
}

/** A proposal as of the latest block; an active proposal past its expiry reads as expired. */
export async function readProposal(contract: BaseContract, id: number): Promise<GovernanceProposal> {
  const p = await contract.getFunction('proposal')(id);
  return {
    id: Number(p.id),
    kind: enumWord(PROPOSAL_KINDS, p.kind),
    state: enumWord(PROPOSAL_STATES, p.state),
    subject: p.subject,
    orgId: orgIdFromOrgRef(p.orgRef),
    proposer: p.proposer,
    createdAt: isoFromSeconds(p.createdAt),
    expiresAt: isoFromSeconds(p.expiresAt),
    executedAt: p.executedAt === 0n ? undefined : isoFromSeconds(p.executedAt),
    yesVotes: Number(p.yesVotes),
    noVotes: Number(p.noVotes),
  };
}

/** The id of the proposal a propose transaction created. */
export function proposalIdFromReceipt(receipt: ContractTransactionReceipt): number {
  for (const log of receipt.logs) {
    const parsed = consortiumGovernanceInterface.parseLog(log);
    if (parsed?.name === 'ProposalCreated') return Number(parsed.args.getValue('id'));
  }
  throw new PlatformError(`Transaction ${receipt.hash} created no governance proposal`);
}

export interface GovernanceRevert {
  /** The contract's custom error, e.g. `AlreadyVoted`. */
  readonly name: string;
  readonly args: readonly unknown[];
}

/**
 * The contract's custom error behind a failed call or send, if that is what it was. ethers leaves `revert` empty
 * for custom errors raised while sending, but keeps the raw revert data in `data`.
 */
export function decodeGovernanceRevert(error: unknown): GovernanceRevert | undefined {
  const data = revertData(error);
  if (data === undefined) return undefined;
  const parsed = consortiumGovernanceInterface.parseError(data);
  return parsed ? { name: parsed.name, args: [...parsed.args] } : undefined;
}

function revertData(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    if (typeof current !== 'object') return undefined;
    const { data, error: inner } = current as { data?: unknown; error?: unknown };
    if (typeof data === 'string' && data.startsWith('0x') && data.length >= 10) return data;
    current = inner;
  }
  return undefined;
}

function enumWord<T extends readonly string[]>(words: T, index: bigint): T[number] {
  const word = words[Number(index)];
  if (word === undefined) throw new PlatformError(`Unknown enum value ${index} (expected one of ${words.join(', ')})`);
  return word;
}

function isoFromSeconds(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString();
}
