/**
 * Carries out the node action a billing state change decided (stop nodes on suspension, start them on payment).
 * The action is written on the account in the same conditional write as the state change, and cleared here only
 * after the callback succeeded: a crash or a failing callback leaves it pending, and the grace-period job runs it
 * again. So the effect on nodes is never lost, at the price of a possible repeat, which the callbacks tolerate.
 */
import type { BillingAccount, NodeAction } from '../../../shared/domain/billing-state.ts';
import { ConditionFailedError } from '../../../shared/store/table.ts';
import { type BillingDeps, MAX_WRITE_ATTEMPTS } from './billing-deps.ts';

export type NodeActionOutcome = 'done' | 'failed' | 'none';

/** Runs the account's pending node action, if any, and clears it; a failure is logged and left for a retry. */
export async function runNodeAction(deps: BillingDeps, account: BillingAccount): Promise<NodeActionOutcome> {
  const { nodeAction, nodeActionSince } = account;
  if (!nodeAction) return 'none';
  try {
    await callbackFor(deps, nodeAction)(account.orgId);
  } catch (error) {
    deps.logger.error('billing node action failed; it will be retried', {
      orgId: account.orgId,
      nodeAction,
      error,
    });
    return 'failed';
  }
  await clearNodeAction(deps, account.orgId, nodeAction, nodeActionSince);
  return 'done';
}

function callbackFor(deps: BillingDeps, action: NodeAction): (orgId: string) => Promise<void> {
  switch (action) {
    case 'suspend':
      return deps.onSuspended;
    case 'reactivate':
      return deps.onReactivated;
    case 'cancel':
      return deps.onCanceled ?? deps.onSuspended;
  }
}

/** Clears the action it ran, unless a newer decision replaced it meanwhile (that one must still run). */
async function clearNodeAction(
  deps: BillingDeps,
  orgId: string,
  action: NodeAction,
  since: string | undefined,
): Promise<void> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const current = await deps.accounts.get(orgId);
    if (!current || current.nodeAction !== action || current.nodeActionSince !== since) return;
    const { version: _version, ...fields } = current;
    try {
      await deps.accounts.save({ ...fields, nodeAction: undefined, nodeActionSince: undefined }, current);
      return;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
  deps.logger.warn('could not clear a finished billing node action; it may run once more', { orgId, action });
}
