/**
 * What billing does to an organisation's managed nodes: suspension stops them (keeping everything), payment
 * starts exactly the ones suspension stopped. Idempotent, as billing may call again after a crash.
 */
import type { NodeRecord } from '../../../shared/domain/node.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import { ConditionFailedError } from '../../../shared/store/table.ts';

export function billingNodeControl(nodes: NodesRepository, nodeChanged: (node: NodeRecord) => void = () => {}) {
  /** Applies `change` to each node `select` picks, re-reading a node that changed under us. */
  const forEach = async (
    orgId: string,
    select: (node: NodeRecord) => boolean,
    change: (node: NodeRecord) => Promise<NodeRecord>,
  ) => {
    for (const listed of await nodes.listByOrg(orgId)) {
      let node: NodeRecord | undefined = listed;
      for (let attempt = 0; node && select(node) && attempt < 5; attempt++) {
        try {
          nodeChanged(await change(node));
          break;
        } catch (error) {
          if (!(error instanceof ConditionFailedError)) throw error;
          node = await nodes.get(orgId, listed.id);
        }
      }
    }
  };

  return {
    onSuspended: (orgId: string) =>
      forEach(
        orgId,
        (node) => node.hosting === 'managed' && node.desiredState === 'running',
        (node) => nodes.setDesiredState(node, 'stopped', { suspendedByBilling: true }),
      ),
    onReactivated: (orgId: string) =>
      forEach(
        orgId,
        (node) => node.suspendedByBilling === true && node.desiredState === 'stopped',
        (node) => nodes.setDesiredState(node, 'running', { suspendedByBilling: false }),
      ),
  };
}
