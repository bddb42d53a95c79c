/**
 * What the control plane remembers about each network's ConsortiumGovernance contract, beside the network item
 * (`NET#<id>`): the deployment in flight or done (and those of the other contracts the platform deploys), the event watcher's cursor, where each proposal sent through the
 * API came from, which organisation holds each member address, which node stands behind each validator address,
 * and one execution record per passed decision, so that carrying a decision out is idempotent. The chain stays
 * the authority on votes and states; these items only add what the chain cannot know.
 *
 * Every write is a single-item conditional write (create-if-absent or version check), so two watchers, or a
 * watcher re-running after a crash, can at worst repeat a step that tolerates repeating.
 */
import type { OutboxEntry } from '../domain/events.ts';
import type { ProposalKind } from '../domain/governance.ts';
import type { PlatformContract } from '../domain/network.ts';
import { PlatformError } from '../errors.ts';
import type {
  ConsortiumMemberRecord,
  ContractDeploymentRecord,
  DecisionExecution,
  GovernanceCursor,
  ProposalOrigin,
  ValidatorBinding,
} from './governance-records.ts';
import { ConditionFailedError, type Item, outboxAttributes, type Table } from './table.ts';

export type * from './governance-records.ts';

/** Positions of on-chain proposal ids in sort keys: zero-padded so they list in numeric order. */
const ID_DIGITS = 10;

const governanceKeys = {
  // The governance contract's record kept its first key; the other platform contracts' are named after them.
  deployment: (networkId: string, contract: PlatformContract) => ({
    pk: `NET#${networkId}`,
    sk: contract === 'governance' ? 'GOVDEPLOY' : `DEPLOY#${contract}`,
  }),
  cursor: (networkId: string) => ({ pk: `NET#${networkId}`, sk: 'GOVCURSOR' }),
  origin: (networkId: string, proposalId: number) => ({
    pk: `NET#${networkId}`,
    sk: `GOVPROP#${paddedProposalId(proposalId)}`,
  }),
  member: (networkId: string, address: string) => ({
    pk: `NET#${networkId}`,
    sk: `GOVMEMBER#${address.toLowerCase()}`,
  }),
  validator: (networkId: string, address: string) => ({
    pk: `NET#${networkId}`,
    sk: `GOVVALIDATOR#${address.toLowerCase()}`,
  }),
  execution: (networkId: string, proposalId: number) => ({
    pk: `NET#${networkId}`,
    sk: `GOVEXEC#${paddedProposalId(proposalId)}`,
  }),
} as const;

const PREFIX = { member: 'GOVMEMBER#', validator: 'GOVVALIDATOR#', execution: 'GOVEXEC#' } as const;

type DeploymentItem = Item & ContractDeploymentRecord;
type CursorItem = Item & GovernanceCursor;
type OriginItem = Item & ProposalOrigin;
type MemberItem = Item & ConsortiumMemberRecord;
type ValidatorItem = Item & ValidatorBinding;
type ExecutionItem = Item & DecisionExecution;

export class GovernanceRepository {
  constructor(
    private readonly table: Table,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  // ---- deployment ------------------------------------------------------------------------------------------

  async getDeployment(
    networkId: string,
    contract: PlatformContract = 'governance',
  ): Promise<ContractDeploymentRecord | undefined> {
    const item = await this.table.get<DeploymentItem>(governanceKeys.deployment(networkId, contract));
    return item ? toDeployment(item) : undefined;
  }

  /**
   * Records a signed deployment before it is broadcast: the first attempt creates the item, a later one replaces
   * a failed attempt it has read. ConditionFailedError means another deployer got there first.
   */
  async recordDeploymentAttempt(
    previous: ContractDeploymentRecord | undefined,
    attempt: Omit<ContractDeploymentRecord, 'version' | 'createdAt' | 'updatedAt' | 'attempt' | 'state'>,
  ): Promise<ContractDeploymentRecord> {
    const now = this.clock().toISOString();
    if (!previous) {
      const record: ContractDeploymentRecord = {
        ...attempt,
        state: 'sent',
        attempt: 1,
        createdAt: now,
        updatedAt: now,
        version: 1,
      };
      await this.table.create<DeploymentItem>({
        ...governanceKeys.deployment(attempt.networkId, attempt.contract),
        ...record,
        type: 'contract-deployment',
      });
      return record;
    }
    return this.updateDeployment(previous, {
      ...attempt,
      state: 'sent',
      attempt: previous.attempt + 1,
      blockNumber: undefined,
      failure: undefined,
    });
  }

  async updateDeployment(
    record: ContractDeploymentRecord,
    changes: Partial<Omit<ContractDeploymentRecord, 'networkId' | 'contract' | 'version'>>,
  ): Promise<ContractDeploymentRecord> {
    const remove = Object.entries(changes)
      .filter(([, value]) => value === undefined)
      .map(([attribute]) => attribute);
    const updated = await this.table.update<DeploymentItem>(
      governanceKeys.deployment(record.networkId, record.contract),
      record.version,
      { ...changes, updatedAt: this.clock().toISOString() },
      { remove },
    );
    return toDeployment(updated);
  }

  // ---- watcher cursor --------------------------------------------------------------------------------------

  async getCursor(networkId: string): Promise<GovernanceCursor | undefined> {
    const item = await this.table.get<CursorItem>(governanceKeys.cursor(networkId));
    return item
      ? { networkId, nextBlock: item.nextBlock, updatedAt: item.updatedAt, version: item.version }
      : undefined;
  }

  /**
   * Moves the cursor from where it was read; ConditionFailedError if another watcher moved it meanwhile. `events`
   * (the proposals opened and decided in the blocks read) go into the cursor's outbox in the same write, so the
   * blocks are read and their events recorded together or not at all.
   */
  async advanceCursor(
    networkId: string,
    read: GovernanceCursor | undefined,
    nextBlock: number,
    events: readonly OutboxEntry[] = [],
  ): Promise<GovernanceCursor> {
    const updatedAt = this.clock().toISOString();
    const key = governanceKeys.cursor(networkId);
    if (!read) {
      const cursor: GovernanceCursor = { networkId, nextBlock, updatedAt, version: 1 };
      await this.table.create<CursorItem>({
        ...key,
        ...cursor,
        ...outboxAttributes(key, events),
        type: 'governance-cursor',
      });
      return cursor;
    }
    const updated = await this.table.update<CursorItem>(key, read.version, { nextBlock, updatedAt }, { events });
    return { networkId, nextBlock: updated.nextBlock, updatedAt: updated.updatedAt, version: updated.version };
  }

  // ---- proposal origins ------------------------------------------------------------------------------------

  async recordOrigin(origin: ProposalOrigin): Promise<void> {
    await this.createOnce<OriginItem>({
      ...governanceKeys.origin(origin.networkId, origin.proposalId),
      ...origin,
      type: 'governance-proposal-origin',
    });
  }

  async getOrigin(networkId: string, proposalId: number): Promise<ProposalOrigin | undefined> {
    const item = await this.table.get<OriginItem>(governanceKeys.origin(networkId, proposalId));
    return item ? toOrigin(item) : undefined;
  }

  // ---- members ---------------------------------------------------------------------------------------------

  /** Records an admitted member; returns false when it was recorded already (the watcher re-read the block). */
  async recordMemberAdmitted(
    member: Omit<ConsortiumMemberRecord, 'version' | 'removedBy'>,
  ): Promise<{ created: boolean; member: ConsortiumMemberRecord }> {
    const existing = await this.getMember(member.networkId, member.address);
    if (existing && existing.removedBy === undefined) return { created: false, member: existing };
    const record: ConsortiumMemberRecord = { ...member, removedBy: undefined, version: (existing?.version ?? 0) + 1 };
    if (existing) {
      // Re-admitted after a removal: a new admission on top of the old record.
      const updated = await this.table.update<MemberItem>(
        governanceKeys.member(member.networkId, member.address),
        existing.version,
        { orgId: member.orgId, admittedBy: member.admittedBy },
        { remove: ['removedBy'] },
      );
      return { created: true, member: toMember(updated) };
    }
    const created = await this.createOnce<MemberItem>({
      ...governanceKeys.member(member.networkId, member.address),
      ...record,
      address: member.address,
      type: 'governance-member',
    });
    return { created, member: record };
  }

  async recordMemberRemoved(networkId: string, address: string, proposalId: number): Promise<void> {
    const existing = await this.getMember(networkId, address);
    if (!existing || existing.removedBy !== undefined) return;
    await this.table.update<MemberItem>(governanceKeys.member(networkId, address), existing.version, {
      removedBy: proposalId,
    });
  }

  async getMember(networkId: string, address: string): Promise<ConsortiumMemberRecord | undefined> {
    const item = await this.table.get<MemberItem>(governanceKeys.member(networkId, address));
    return item ? toMember(item) : undefined;
  }

  async listMembers(networkId: string): Promise<ConsortiumMemberRecord[]> {
    const items = await this.table.queryAll<MemberItem>(`NET#${networkId}`, { beginsWith: PREFIX.member });
    return items.map(toMember);
  }

  // ---- validator bindings ----------------------------------------------------------------------------------

  async recordValidatorBinding(binding: ValidatorBinding): Promise<void> {
    await this.createOnce<ValidatorItem>({
      ...governanceKeys.validator(binding.networkId, binding.address),
      ...binding,
      type: 'governance-validator',
    });
  }

  async listValidatorBindings(networkId: string): Promise<ValidatorBinding[]> {
    const items = await this.table.queryAll<ValidatorItem>(`NET#${networkId}`, { beginsWith: PREFIX.validator });
    return items.map((item) => ({
      networkId: item.networkId,
      address: item.address,
      nodeId: item.nodeId,
      orgId: item.orgId,
      proposalId: item.proposalId,
    }));
  }

  // ---- executions ------------------------------------------------------------------------------------------

  /** The execution record of a passed decision, created `pending` the first time the decision is seen. */
  async ensureExecution(decision: {
    networkId: string;
    proposalId: number;
    kind: ProposalKind;
    subject: string;
  }): Promise<DecisionExecution> {
    const now = this.clock().toISOString();
    const record: DecisionExecution = {
      ...decision,
      state: 'pending',
      code: undefined,
      reason: undefined,
      consensus: undefined,
      validatorsAfter: undefined,
      markExecutedTransaction: undefined,
      offboarding: undefined,
      note: undefined,
      attempts: 0,
      lastError: undefined,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    const created = await this.createOnce<ExecutionItem>({
      ...governanceKeys.execution(decision.networkId, decision.proposalId),
      ...record,
      type: 'governance-execution',
    });
    if (created) return record;
    const existing = await this.getExecution(decision.networkId, decision.proposalId);
    if (!existing) throw new PlatformError(`Execution record of proposal ${decision.proposalId} vanished`);
    return existing;
  }

  async getExecution(networkId: string, proposalId: number): Promise<DecisionExecution | undefined> {
    const item = await this.table.get<ExecutionItem>(governanceKeys.execution(networkId, proposalId));
    return item ? toExecution(item) : undefined;
  }

  async listExecutions(networkId: string): Promise<DecisionExecution[]> {
    const items = await this.table.queryAll<ExecutionItem>(`NET#${networkId}`, { beginsWith: PREFIX.execution });
    return items.map(toExecution);
  }

  /** Applies changes to the execution as read; ConditionFailedError if someone else changed it meanwhile. */
  async updateExecution(
    execution: DecisionExecution,
    changes: Partial<Omit<DecisionExecution, 'networkId' | 'proposalId' | 'kind' | 'subject' | 'version'>>,
  ): Promise<DecisionExecution> {
    const remove = Object.entries(changes)
      .filter(([, value]) => value === undefined)
      .map(([attribute]) => attribute);
    const updated = await this.table.update<ExecutionItem>(
      governanceKeys.execution(execution.networkId, execution.proposalId),
      execution.version,
      { ...changes, updatedAt: this.clock().toISOString() },
      { remove },
    );
    return toExecution(updated);
  }

  /** Creates an item unless its key exists; returns whether it created it. */
  private async createOnce<T extends Item>(item: T): Promise<boolean> {
    try {
      await this.table.create<T>(item);
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }
}

/** A proposal id as sort keys hold it: zero-padded, so items list in numeric order. */
export function paddedProposalId(proposalId: number): string {
  return String(proposalId).padStart(ID_DIGITS, '0');
}

function toDeployment(item: DeploymentItem): ContractDeploymentRecord {
  return {
    networkId: item.networkId,
    contract: item.contract ?? 'governance',
    state: item.state,
    attempt: item.attempt,
    deployer: item.deployer,
    nonce: item.nonce,
    address: item.address,
    transactionHash: item.transactionHash,
    rawTransaction: item.rawTransaction,
    initialValidators: item.initialValidators ?? [],
    blockNumber: item.blockNumber,
    failure: item.failure,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
  };
}

function toOrigin(item: OriginItem): ProposalOrigin {
  return {
    networkId: item.networkId,
    proposalId: item.proposalId,
    kind: item.kind,
    orgId: item.orgId,
    keyId: item.keyId,
    proposer: item.proposer,
    subjectOrgId: item.subjectOrgId,
    nodeId: item.nodeId,
    transactionHash: item.transactionHash,
    createdAt: item.createdAt,
  };
}

function toMember(item: MemberItem): ConsortiumMemberRecord {
  return {
    networkId: item.networkId,
    address: item.address,
    orgId: item.orgId,
    admittedBy: item.admittedBy,
    removedBy: item.removedBy,
    version: item.version,
  };
}

function toExecution(item: ExecutionItem): DecisionExecution {
  return {
    networkId: item.networkId,
    proposalId: item.proposalId,
    kind: item.kind,
    subject: item.subject,
    state: item.state,
    code: item.code,
    reason: item.reason,
    consensus: item.consensus,
    validatorsAfter: item.validatorsAfter,
    markExecutedTransaction: item.markExecutedTransaction,
    offboarding: item.offboarding,
    note: item.note,
    attempts: item.attempts ?? 0,
    lastError: item.lastError,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
  };
}
