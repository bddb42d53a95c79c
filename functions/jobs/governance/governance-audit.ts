/**
 * Audit entries for what the control plane does with a passed decision, appended to every organisation the
 * decision concerns (the platform, the proposer, the organisation it is about), once each.
 */
import type { DecisionExecution } from '../../../shared/store/governance.repository.ts';
import { GOVERNANCE_ACTOR, type GovernanceJobDeps } from '../../services/governance/governance-deps.ts';

export async function auditDecision(
  deps: Pick<GovernanceJobDeps, 'stores' | 'clock'>,
  orgIds: readonly (string | undefined)[],
  action: string,
  execution: DecisionExecution,
  details: Record<string, unknown>,
): Promise<void> {
  const at = deps.clock().toISOString();
  for (const orgId of new Set(orgIds.filter((id): id is string => Boolean(id)))) {
    await deps.stores.audit.append({
      orgId,
      at,
      actor: GOVERNANCE_ACTOR,
      action,
      target: `${execution.networkId}/proposals/${execution.proposalId}`,
      requestId: undefined,
      details: {
        networkId: execution.networkId,
        proposalId: execution.proposalId,
        kind: execution.kind,
        subject: execution.subject,
        ...details,
      },
    });
  }
}
