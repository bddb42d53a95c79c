/**
 * Lambda entry for the reconciler, the same NodeReconciler the local node worker runs, on two triggers:
 * - EventBridge Scheduler (every minute): one pass over the whole fleet and an orphan sweep;
 * - the provisioning queue: one node per message `{ orgId, nodeId }`, read afresh and driven as far as it can go.
 *   Messages that fail are reported in `batchItemFailures`, so only they come back (and reach the dead-letter
 *   queue after repeated failures); a message for a node that no longer exists has nothing left to do.
 *
 * Managed nodes run on EC2 from the fleet's launch templates, with their files written to the node
 * configuration bucket before launch; self-hosted nodes are watched through the URL their members gave.
 */

import { NodeWorkMessage } from '../../shared/adapters/aws/sqs-node-queue.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import { NetworksRepository } from '../../shared/store/networks.repository.ts';
import { NodesRepository } from '../../shared/store/nodes.repository.ts';
import { RequestedRestarts } from '../jobs/fleet/requested-restarts.ts';
import type { NodeReconciler, ReconcileReport } from '../jobs/node-reconciler.ts';
import { type AwsWiringOptions, awsCore, coldStart } from './aws-core.ts';
import { ec2NodeProvider, nodeReconciler } from './aws-fleet.ts';
import { ec2GenesisValidators } from './aws-node-keys.ts';

/** The part of an SQS event the reconciler reads. */
export interface SqsEvent {
  readonly Records: readonly { readonly messageId: string; readonly body: string; readonly eventSource?: string }[];
}

export interface SqsBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

export function createReconcilerHandler(options: AwsWiringOptions = {}) {
  const ready = coldStart(async () => {
    const core = awsCore('reconciler', options);
    const reconciler = nodeReconciler(core);
    // Genesis validators whose network was recorded but not they (a request cut short) are recorded by the pass.
    const nodes = new NodesRepository(core.table, core.clock);
    const genesis = ec2GenesisValidators(core, { nodes });
    const restarts = new RequestedRestarts({
      nodes,
      runtime: 'ec2',
      provider: ec2NodeProvider(core, 'recover'),
      logger: core.logger.child({ component: 'requested-restarts' }),
      clock: core.clock,
    });
    return { reconciler, logger: core.logger, genesis, networks: new NetworksRepository(core.table), restarts };
  });

  return async (event: unknown): Promise<SqsBatchResponse | ReconcileReport> => {
    const { reconciler, logger, genesis, networks, restarts } = await ready();
    if (isSqsEvent(event)) return reconcileMessages(reconciler, event, logger, restarts);
    if (genesis) {
      for (const network of await networks.list()) {
        if (network.status === 'active') await genesis.resume(network);
      }
    }
    const report = await reconciler.reconcileAll();
    logger.info('reconcile pass finished', { ...report });
    return report;
  };
}

/** One message at a time: two messages for the same node in a batch then see each other's effect. */
export async function reconcileMessages(
  reconciler: Pick<NodeReconciler, 'reconcileById'>,
  event: SqsEvent,
  logger: Logger,
  restarts?: Pick<RequestedRestarts, 'carryOut'>,
): Promise<SqsBatchResponse> {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    const message = NodeWorkMessage.safeParse(parseJson(record.body));
    if (!message.success) {
      // Kept for an operator: it fails again until it reaches the dead-letter queue.
      logger.error('provisioning message is not { orgId, nodeId[, action, requestedAt] }', {
        messageId: record.messageId,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    const { orgId, nodeId } = message.data;
    try {
      if (message.data.action === 'restart') {
        if (!restarts) throw new Error('this function carries out no restarts');
        const outcome = await restarts.carryOut(message.data);
        logger.info('requested restart handled', { messageId: record.messageId, nodeId, ...outcome });
        continue;
      }
      const changed = await reconciler.reconcileById(orgId, nodeId);
      logger.info('node reconciled', { messageId: record.messageId, orgId, nodeId, changed });
    } catch (error) {
      logger.warn('node reconcile failed; the message comes back', { messageId: record.messageId, nodeId, error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

function isSqsEvent(event: unknown): event is SqsEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return Array.isArray(records) && records.every((record) => record?.eventSource === 'aws:sqs');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const handler = createReconcilerHandler();
