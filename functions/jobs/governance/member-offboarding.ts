/**
 * Offboarding of an organisation whose member address the consortium voted out, as one operation recorded on
 * the decision's execution record:
 * 1. its signing keys are disabled, in the vault and on their records, and its API keys revoked (access ends at
 *    once; it does not wait for consensus);
 * 2. its validators on the network are voted out, each through the same BFT safety check as any validator change
 *    (a refused one stays, and its nodes keep running: stopping them would take down the validator the check
 *    just protected);
 * 3. its managed nodes on the network are set to stop (desired state `stopped`; the reconciler stops them).
 * Every step looks at what is already so, so a re-run finishes what a crash interrupted and repeats nothing.
 *
 * The contract records validator changes only through remove-validator proposals; a validator voted out here
 * stays on the contract's list until members pass one, which the executor then only marks executed.
 */
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import type { DecisionExecution, OffboardingSteps } from '../../../shared/store/governance.repository.ts';
import type { GovernanceJobDeps } from '../../services/governance/governance-deps.ts';
import { auditDecision } from './governance-audit.ts';
import {
  applyValidatorChange,
  currentValidators,
  loadNetworkContext,
  type NetworkContext,
  safetyVerdict,
  validatorsOfOrg,
} from './validator-change.ts';
import { nodesOfValidator } from './validator-liveness.ts';

type ValidatorStep = OffboardingSteps['validators'][number];

export async function offboardMember(
  deps: GovernanceJobDeps,
  start: NetworkContext,
  execution: DecisionExecution,
): Promise<DecisionExecution> {
  const orgId = await organisationOfMember(deps, execution);
  if (!orgId) {
    const settled = await deps.governance.updateExecution(execution, {
      state: 'executed',
      note: 'The contract removed the member. No organisation of this platform holds that address, so there was nothing to offboard here.',
    });
    await auditDecision(deps, [PLATFORM_ORG_ID], 'governance.member-removed', settled, { orgId: null });
    return settled;
  }

  // Access goes first: credentials do not wait for consensus.
  const signingKeysDisabled = union(execution.offboarding?.signingKeysDisabled, await disableSigningKeys(deps, orgId));
  const apiKeysRevoked = union(execution.offboarding?.apiKeysRevoked, await revokeApiKeys(deps, orgId));

  let context = start;
  const previous = execution.offboarding?.validators ?? [];
  const validatorSteps: ValidatorStep[] = [...previous.filter((step) => step.outcome !== 'refused')];
  const current = await currentValidators(deps, context);
  for (const address of validatorsOfOrg(context, orgId, current)) {
    const validators = await currentValidators(deps, context);
    const verdict = safetyVerdict(deps, context, validators, address, false);
    if (!verdict.ok) {
      validatorSteps.push({ address, outcome: 'refused', code: verdict.code, reason: verdict.reason });
      continue;
    }
    const applied = await applyValidatorChange(deps, context, address, false);
    if (!applied.confirmed) {
      return deps.governance.updateExecution(execution, {
        state: 'voting',
        note: applied.note,
        offboarding: {
          orgId,
          validators: validatorSteps,
          signingKeysDisabled,
          apiKeysRevoked,
          nodesStopped: execution.offboarding?.nodesStopped ?? [],
          nodesKept: [],
        },
        attempts: execution.attempts + 1,
      });
    }
    validatorSteps.push({ address, outcome: 'removed' });
    context = await loadNetworkContext(deps, context.deployed);
  }
  const refused = validatorSteps.filter((step) => step.outcome === 'refused');

  const keep = new Map<string, string>();
  for (const step of refused) {
    for (const node of nodesOfValidator(step.address, context.nodes, context.bindings)) {
      keep.set(node.id, `Still validator ${step.address}, which could not be voted out: ${step.reason}`);
    }
  }
  const nodesStopped = await stopManagedNodes(deps, context, orgId, keep);

  const offboarding: OffboardingSteps = {
    orgId,
    validators: validatorSteps,
    signingKeysDisabled,
    apiKeysRevoked,
    nodesStopped: union(execution.offboarding?.nodesStopped, nodesStopped),
    nodesKept: [...keep].map(([nodeId, reason]) => ({ nodeId, reason })),
  };
  const removedValidators = validatorSteps.filter((s) => s.outcome === 'removed').map((s) => s.address);
  const settled = await deps.governance.updateExecution(execution, {
    state: refused.length > 0 ? 'partial' : 'executed',
    code: refused[0]?.code,
    reason: refused.length > 0 ? refused.map((s) => s.reason).join(' ') : undefined,
    offboarding,
    validatorsAfter: await currentValidators(deps, context),
    note:
      removedValidators.length > 0
        ? `Validator(s) ${removedValidators.join(', ')} were voted out of the network; the contract lists them until ` +
          'members pass a remove-validator proposal, which the control plane then only marks executed.'
        : undefined,
    lastError: undefined,
    attempts: execution.attempts + 1,
  });
  await auditDecision(deps, [PLATFORM_ORG_ID, orgId], 'governance.member-offboarded', settled, {
    state: settled.state,
    ...offboarding,
  });
  return settled;
}

/** The organisation recorded with the member when it was admitted, or the one the proposal named. */
async function organisationOfMember(deps: GovernanceJobDeps, execution: DecisionExecution) {
  const member = await deps.governance.getMember(execution.networkId, execution.subject);
  const origin = await deps.governance.getOrigin(execution.networkId, execution.proposalId);
  const orgId = member?.orgId ?? origin?.subjectOrgId;
  if (!orgId || orgId === PLATFORM_ORG_ID) return undefined;
  return (await deps.stores.organisations.get(orgId)) ? orgId : undefined;
}

/** Through the organisation's tenant scope: the function's own credentials cannot touch a member's keys. */
async function disableSigningKeys(deps: GovernanceJobDeps, orgId: string): Promise<string[]> {
  const disabled: string[] = [];
  const tenant = deps.tenancy.forOrganisation(orgId);
  for (const key of await tenant.stores.signingKeys.list(orgId)) {
    if (key.state !== 'enabled') continue;
    await tenant.vault.disable(key.keyRef);
    await tenant.stores.signingKeys.setState(key, 'disabled');
    disabled.push(key.id);
  }
  return disabled;
}

async function revokeApiKeys(deps: GovernanceJobDeps, orgId: string): Promise<string[]> {
  const revoked: string[] = [];
  for (const key of await deps.stores.apiKeys.list(orgId)) {
    if (key.status !== 'active') continue;
    await deps.stores.apiKeys.revoke(orgId, key.id, deps.clock());
    revoked.push(key.id);
  }
  return revoked;
}

async function stopManagedNodes(
  deps: GovernanceJobDeps,
  context: NetworkContext,
  orgId: string,
  keep: ReadonlyMap<string, string>,
): Promise<string[]> {
  const stopped: string[] = [];
  const candidates = context.nodes.filter(
    (n: NodeRecord) => n.orgId === orgId && n.hosting === 'managed' && n.desiredState === 'running' && !keep.has(n.id),
  );
  for (const candidate of candidates) {
    const node = await deps.stores.nodes.get(orgId, candidate.id);
    if (node?.desiredState !== 'running') continue;
    const updated = await deps.stores.nodes.setDesiredState(node, 'stopped');
    deps.nodeChanged?.(updated);
    stopped.push(node.id);
  }
  return stopped;
}

function union(previous: readonly string[] | undefined, now: readonly string[]): string[] {
  return [...new Set([...(previous ?? []), ...now])];
}
