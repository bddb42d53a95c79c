/**
 * Carries out passed decisions, one execution record per proposal, idempotently: every step first looks at what
 * is already true (the validator set, the contract's state) and only does what is missing, so a re-run after a
 * crash, or a second executor, repeats nothing that matters.
 *
 * Validator changes: BFT safety check (refused with its reason, recorded and audited, when unsafe) → the change
 * in consensus (or on the network record on anvil) → `markExecuted` on the contract with the platform key.
 * Member removals: the offboarding of the organisation (member-offboarding.ts). Member admissions need nothing:
 * the contract admits the member the moment the proposal passes.
 */
import {
  connectConsortiumGovernance,
  type GovernanceProposal,
  readProposal,
} from '../../../shared/chain/contracts/consortium-governance.ts';
import { SETTLED_EXECUTION_STATES } from '../../../shared/domain/governance.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import { InvalidStateError, NotFoundError, PlatformError } from '../../../shared/errors.ts';
import type { DecisionExecution } from '../../../shared/store/governance.repository.ts';
import { ConditionFailedError } from '../../../shared/store/table.ts';
import {
  DEFAULT_RECEIPT_TIMEOUT_MS,
  readGovernance,
  sendGovernanceCall,
} from '../../services/governance/governance-chain.ts';
import type { DeployedGovernance } from '../../services/governance/governance-deployer.ts';
import type { GovernanceJobDeps } from '../../services/governance/governance-deps.ts';
import { auditDecision } from './governance-audit.ts';
import { offboardMember } from './member-offboarding.ts';
import {
  ANVIL_CONSENSUS,
  applyValidatorChange,
  currentValidators,
  loadNetworkContext,
  type NetworkContext,
  safetyVerdict,
  updateNetworkValidators,
  withdrawValidatorVotes,
} from './validator-change.ts';

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Works on every unsettled execution of the network; returns how many settled in this pass. */
export async function executePendingDecisions(deps: GovernanceJobDeps, deployed: DeployedGovernance) {
  const open = (await deps.governance.listExecutions(deployed.network.id)).filter(
    (e) => !SETTLED_EXECUTION_STATES.includes(e.state),
  );
  let settled = 0;
  for (const execution of open) {
    const context = await loadNetworkContext(deps, deployed);
    const after = await executeDecision(deps, context, execution);
    if (SETTLED_EXECUTION_STATES.includes(after.state)) settled++;
  }
  return settled;
}

/**
 * One step-through of a decision. Transient failures (a node down, a transaction not mined yet) are recorded as
 * `lastError` and leave the execution where it was, for the next pass.
 */
export async function executeDecision(
  deps: GovernanceJobDeps,
  context: NetworkContext,
  execution: DecisionExecution,
): Promise<DecisionExecution> {
  if (SETTLED_EXECUTION_STATES.includes(execution.state)) return execution;
  try {
    if (execution.kind === 'remove-member') return await offboardMember(deps, context, execution);
    if (execution.kind === 'add-validator' || execution.kind === 'remove-validator') {
      return await carryOutValidatorChange(deps, context, execution);
    }
    return await deps.governance.updateExecution(execution, { state: 'executed', note: 'Executed by the contract' });
  } catch (error) {
    if (error instanceof ConditionFailedError) return (await reread(deps, execution)) ?? execution;
    deps.logger.warn('governance decision not carried out yet; the next pass retries', {
      networkId: execution.networkId,
      proposalId: execution.proposalId,
      error,
    });
    const latest = (await reread(deps, execution)) ?? execution;
    return deps.governance
      .updateExecution(latest, { attempts: latest.attempts + 1, lastError: (error as Error).message })
      .catch(() => latest);
  }
}

/** Asks for another attempt at a refused or partial decision (an operator's call, once the network is fit). */
export async function retryDecision(
  deps: GovernanceJobDeps,
  deployed: DeployedGovernance,
  proposalId: number,
): Promise<DecisionExecution> {
  const execution = await deps.governance.getExecution(deployed.network.id, proposalId);
  if (!execution) throw new NotFoundError(`Proposal ${proposalId} has no decision for the control plane to carry out`);
  if (execution.state === 'executed') throw new InvalidStateError(`Proposal ${proposalId} is carried out already`);
  const reopened = SETTLED_EXECUTION_STATES.includes(execution.state)
    ? await deps.governance.updateExecution(execution, { state: 'pending', code: undefined, reason: undefined })
    : execution;
  return executeDecision(deps, await loadNetworkContext(deps, deployed), reopened);
}

async function carryOutValidatorChange(
  deps: GovernanceJobDeps,
  context: NetworkContext,
  start: DecisionExecution,
): Promise<DecisionExecution> {
  let execution = start;
  const add = execution.kind === 'add-validator';
  const address = execution.subject;
  const origin = await deps.governance.getOrigin(execution.networkId, execution.proposalId);

  if (execution.state === 'pending' || execution.state === 'voting') {
    const validators = await currentValidators(deps, context);
    const inEffect = validators.some((v) => same(v, address)) === add;
    let consensus: string;
    let note: string | undefined;
    let validatorsAfter: string[];
    if (inEffect) {
      // A re-run after a crash, or votes by validators the platform does not manage, already made the change.
      consensus =
        execution.consensus ??
        (context.runtime === 'anvil' ? ANVIL_CONSENSUS : 'qbft: the validator set shows the change');
      note = execution.note;
      validatorsAfter = [...(await updateNetworkValidators(deps, context.network.id, () => validators)).validators];
    } else {
      const verdict = safetyVerdict(deps, context, validators, address, add, add ? origin?.nodeId : undefined);
      if (!verdict.ok) {
        // Refused while votes were out (the network changed since): take them back so the change cannot land.
        if (execution.state === 'voting') await withdrawValidatorVotes(deps, context, address);
        return refuse(deps, execution, verdict.code, verdict.reason, [origin?.orgId, origin?.subjectOrgId]);
      }
      const applied = await applyValidatorChange(deps, context, address, add);
      if (!applied.confirmed) {
        return deps.governance.updateExecution(execution, {
          state: 'voting',
          note: applied.note,
          validatorsAfter: applied.validators,
          attempts: execution.attempts + 1,
        });
      }
      consensus = applied.consensus;
      note = applied.note;
      validatorsAfter = applied.validators;
    }
    if (add && origin?.nodeId) {
      const node = context.nodes.find((n) => n.id === origin.nodeId);
      if (node) {
        await deps.governance.recordValidatorBinding({
          networkId: execution.networkId,
          address,
          nodeId: node.id,
          orgId: node.orgId,
          proposalId: execution.proposalId,
        });
      }
    }
    execution = await deps.governance.updateExecution(execution, {
      state: 'applied',
      consensus,
      note,
      validatorsAfter,
      code: undefined,
      reason: undefined,
    });
  }

  if (execution.state === 'applied') {
    const markExecutedTransaction = await markExecutedOnChain(deps, context, execution.proposalId);
    execution = await deps.governance.updateExecution(execution, {
      state: 'executed',
      markExecutedTransaction: markExecutedTransaction ?? execution.markExecutedTransaction,
      lastError: undefined,
    });
    await auditDecision(
      deps,
      [PLATFORM_ORG_ID, origin?.orgId, origin?.subjectOrgId],
      'governance.decision-executed',
      execution,
      {
        consensus: execution.consensus,
        validatorsAfter: execution.validatorsAfter,
        markExecutedTransaction: execution.markExecutedTransaction,
      },
    );
  }
  return execution;
}

/** Records the change on the contract with the platform key, unless it is recorded already. */
async function markExecutedOnChain(
  deps: GovernanceJobDeps,
  context: NetworkContext,
  proposalId: number,
): Promise<string | undefined> {
  const endpoint = context.endpoint;
  if (!endpoint) throw new PlatformError('No node of the network serves now to record the decision on the contract');
  const address = context.deployed.network.governanceAddress;
  const proposal: GovernanceProposal = await readGovernance(endpoint, async (provider) =>
    readProposal(await connectConsortiumGovernance(address, provider), proposalId),
  );
  if (proposal.state === 'executed') return undefined;
  if (proposal.state !== 'passed') throw new PlatformError(`Proposal ${proposalId} is ${proposal.state}, not passed`);
  const platform = await deps.stores.platform.getSigningKey();
  if (!platform) throw new PlatformError('No platform key is recorded to sign markExecuted');
  const sent = await sendGovernanceCall(
    endpoint,
    { vault: deps.vault, keyRef: platform.keyRef, address: platform.address },
    address,
    'markExecuted',
    [proposalId],
    { receiptTimeoutMs: deps.receiptTimeoutMs ?? DEFAULT_RECEIPT_TIMEOUT_MS },
  );
  return sent.hash;
}

async function refuse(
  deps: GovernanceJobDeps,
  execution: DecisionExecution,
  code: NonNullable<DecisionExecution['code']>,
  reason: string,
  concernedOrgIds: readonly (string | undefined)[],
): Promise<DecisionExecution> {
  const refused = await deps.governance.updateExecution(execution, {
    state: 'refused',
    code,
    reason,
    attempts: execution.attempts + 1,
    lastError: undefined,
  });
  deps.logger.info('governance decision refused by the safety check', {
    networkId: execution.networkId,
    proposalId: execution.proposalId,
    code,
  });
  await auditDecision(deps, [PLATFORM_ORG_ID, ...concernedOrgIds], 'governance.decision-refused', refused, {
    code,
    reason,
  });
  return refused;
}

async function reread(deps: GovernanceJobDeps, execution: DecisionExecution) {
  return deps.governance.getExecution(execution.networkId, execution.proposalId);
}
