/**
 * Local stand-in for the AWS schedule and provisioning queue: runs the reconciler over the fleet every few
 * seconds, and at once for a node whose record just changed. One pass at a time per node.
 */
import type { NodeRecord } from '../../shared/domain/node.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import type { NodeReconciler } from '../jobs/node-reconciler.ts';

export function startNodeWorker(reconciler: NodeReconciler, logger: Logger, intervalMs = 3_000) {
  const inFlight = new Map<string, Promise<void>>();
  let sweep: Promise<void> | undefined;
  let stopped = false;

  const runNode = (node: NodeRecord) => {
    const previous = inFlight.get(node.id) ?? Promise.resolve();
    const next = previous
      .then(() => (stopped ? false : reconciler.reconcileById(node.orgId, node.id)))
      .then(
        () => undefined,
        (error: unknown) => logger.warn('node reconcile failed; the next pass retries', { nodeId: node.id, error }),
      )
      .finally(() => {
        if (inFlight.get(node.id) === next) inFlight.delete(node.id);
      });
    inFlight.set(node.id, next);
  };

  const runAll = () => {
    if (stopped || sweep) return;
    sweep = reconciler
      .reconcileAll()
      .then(
        () => undefined,
        (error: unknown) => logger.warn('reconcile pass failed', { error }),
      )
      .finally(() => {
        sweep = undefined;
      });
  };

  const timer = setInterval(runAll, intervalMs);
  timer.unref();
  runAll();

  return {
    nodeChanged: runNode,
    /** Waits for the pass under way (tests use it to let the worker settle). */
    async idle() {
      await Promise.all([sweep, ...inFlight.values()]);
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all([sweep, ...inFlight.values()]);
    },
  };
}
