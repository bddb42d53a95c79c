/**
 * Restarts operators asked for through the API, carried out where the rights to reboot are (docs/architecture.md,
 * "Fleet operations"). In AWS the API cannot reboot instances: its `restart` of an EC2 node queues
 * `{ orgId, nodeId, action: 'restart', requestedAt }` on the provisioning queue, and the reconciler, which already
 * operates the fleet's instances, carries it out within seconds through this job.
 *
 * The message names a node only; what is restarted is decided here from the record read afresh: a node the
 * platform runs (never a member's self-hosted node), on this runtime, meant to be running and not being removed.
 * A request older than `maxAgeMs` (a queue backlog, a message coming back after failures) is dropped: a restart
 * long after it was asked for could take a recovered network down again.
 */
import { isPlatformRun, type NodeRecord, type NodeRuntime } from '../../../shared/domain/node.ts';
import type { Logger } from '../../../shared/observability/logger.ts';
import type { NodeProvider } from '../../../shared/ports/node-provider.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';

export interface RequestedRestartsDeps {
  readonly nodes: Pick<NodesRepository, 'get'>;
  readonly runtime: NodeRuntime;
  readonly provider: Pick<NodeProvider, 'restart'>;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** @default 300_000 */
  readonly maxAgeMs?: number;
}

export type RequestedRestartOutcome =
  | { readonly restarted: true }
  | { readonly restarted: false; readonly why: string };

export class RequestedRestarts {
  constructor(private readonly deps: RequestedRestartsDeps) {}

  /** Restarts the node if it still should be; throws only when the restart itself failed (the message comes back). */
  async carryOut(request: {
    readonly orgId: string;
    readonly nodeId: string;
    readonly requestedAt?: string;
  }): Promise<RequestedRestartOutcome> {
    const { nodes, provider, logger, clock } = this.deps;
    const age = request.requestedAt ? clock().getTime() - Date.parse(request.requestedAt) : Number.POSITIVE_INFINITY;
    const node = await nodes.get(request.orgId, request.nodeId);
    const why = !(age <= (this.deps.maxAgeMs ?? 300_000))
      ? `the request is ${Number.isFinite(age) ? `${Math.round(age / 1000)} s` : 'of unknown'} old`
      : !node
        ? 'the node does not exist'
        : refusal(node, this.deps.runtime);
    if (why !== undefined) {
      logger.warn('requested restart not carried out', { nodeId: request.nodeId, why });
      return { restarted: false, why };
    }
    await provider.restart(node as NodeRecord);
    logger.info('requested restart carried out', { nodeId: request.nodeId, requestedAt: request.requestedAt });
    return { restarted: true };
  }
}

function refusal(node: NodeRecord, runtime: NodeRuntime): string | undefined {
  if (!isPlatformRun(node)) return 'the platform does not run the node';
  if (node.runtime !== runtime) return `the node runs on ${node.runtime}, not ${runtime}`;
  if (node.desiredState !== 'running') return `the node is meant to be ${node.desiredState}`;
  if (node.state === 'deprovisioning' || node.state === 'terminated') return `the node is ${node.state}`;
  return undefined;
}
