/**
 * The governance records the control plane keeps beside each network's ConsortiumGovernance contract, as the
 * governance repository reads and writes them (see governance.repository.ts for their keys and writes).
 */
import type { ExecutionState, OffboardingOutcome, ProposalKind } from '../domain/governance.ts';
import type { PlatformContract } from '../domain/network.ts';
import type { UnsafeChangeCode } from '../domain/validator-safety.ts';

/**
 * A contract deployment by the platform key (the governance contract, the DID registry, the consent ledger). The
 * transaction is signed and recorded (`sent`) before it is broadcast: the contract's address follows from the
 * platform address and the nonce, so after a crash the deployer finds the contract at that address, broadcasts the
 * very same transaction again, or, when that nonce was spent otherwise, starts a new attempt. Never two contracts
 * of a kind recorded for one network.
 */
export interface ContractDeploymentRecord {
  readonly networkId: string;
  readonly contract: PlatformContract;
  readonly state: 'sent' | 'deployed' | 'failed';
  readonly attempt: number;
  readonly deployer: string;
  readonly nonce: number;
  readonly address: string;
  readonly transactionHash: string;
  /** The signed transaction (public once broadcast; no key material), kept only until the deployment is done. */
  readonly rawTransaction: string | undefined;
  /**
   * Governance: the genesis validators passed to the constructor (on the anvil runtime they stand for the one chain
   * process); empty for the other contracts.
   */
  readonly initialValidators: readonly string[];
  readonly blockNumber: number | undefined;
  readonly failure: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export interface GovernanceCursor {
  readonly networkId: string;
  /** The first block the watcher has not read yet. */
  readonly nextBlock: number;
  readonly updatedAt: string;
  readonly version: number;
}

/** Who sent a proposal through the API, and what the API knew that the contract does not. */
export interface ProposalOrigin {
  readonly networkId: string;
  readonly proposalId: number;
  readonly kind: ProposalKind;
  /** The acting organisation (`platform` for operators acting for the platform). */
  readonly orgId: string;
  readonly keyId: string | undefined;
  readonly proposer: string;
  /** The organisation the proposal is about, when the API could tell. */
  readonly subjectOrgId: string | undefined;
  /** For validator changes: the node whose validator the subject address is. */
  readonly nodeId: string | undefined;
  readonly transactionHash: string;
  readonly createdAt: string;
}

/** A member address as the contract admitted it, with the organisation recorded beside it. */
export interface ConsortiumMemberRecord {
  readonly networkId: string;
  readonly address: string;
  readonly orgId: string | undefined;
  readonly admittedBy: number;
  readonly removedBy: number | undefined;
  readonly version: number;
}

/** The node (and organisation) behind a validator address the control plane voted in. */
export interface ValidatorBinding {
  readonly networkId: string;
  readonly address: string;
  readonly nodeId: string;
  readonly orgId: string;
  readonly proposalId: number;
}

export interface OffboardingSteps {
  readonly orgId: string | undefined;
  readonly validators: readonly {
    readonly address: string;
    readonly outcome: OffboardingOutcome;
    readonly code?: UnsafeChangeCode;
    readonly reason?: string;
  }[];
  readonly signingKeysDisabled: readonly string[];
  readonly apiKeysRevoked: readonly string[];
  readonly nodesStopped: readonly string[];
  /** Nodes left running because stopping them would take a validator down that could not be voted out. */
  readonly nodesKept: readonly { readonly nodeId: string; readonly reason: string }[];
}

/** How the control plane carried out (or refused) one passed decision. */
export interface DecisionExecution {
  readonly networkId: string;
  readonly proposalId: number;
  readonly kind: ProposalKind;
  readonly subject: string;
  readonly state: ExecutionState;
  readonly code: UnsafeChangeCode | undefined;
  readonly reason: string | undefined;
  /** How the consensus layer took the change: `qbft` with the confirming block, or why it does not apply. */
  readonly consensus: string | undefined;
  readonly validatorsAfter: readonly string[] | undefined;
  readonly markExecutedTransaction: string | undefined;
  readonly offboarding: OffboardingSteps | undefined;
  readonly note: string | undefined;
  readonly attempts: number;
  /** Last transient failure, for operators' logs; never shown to tenants (it can name internal endpoints). */
  readonly lastError: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}
