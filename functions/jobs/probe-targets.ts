/**
 * Which nodes the health monitor probes, and what it tells the probe about each (health-monitor.ts).
 */
import { isPlatformRun, isServing, type NodeRecord } from '../../shared/domain/node.ts';
import type { ProbeTarget } from '../../shared/ports/node-probe.ts';

/** Whether a cycle probes the node: it has a URL, should run, and serves or has failed. */
export function shouldProbe(node: NodeRecord): boolean {
  if (!node.endpoints.rpcUrl || node.desiredState !== 'running') return false;
  // Failed nodes stay watched: their downtime counts, and one that answers again is brought back.
  return isServing(node.state) || node.state === 'failed';
}

/** What the probe is told about a node: a self-hosted node's URL is its owner's input, not the platform's. */
export function probeTargetOf(node: NodeRecord): ProbeTarget {
  return {
    rpcUrl: node.endpoints.rpcUrl as string,
    besu: node.runtime === 'besu' || node.runtime === 'ec2',
    memberSupplied: !isPlatformRun(node),
  };
}
