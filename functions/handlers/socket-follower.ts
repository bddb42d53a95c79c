/**
 * Scheduled Lambda (EventBridge Scheduler, every minute): the AWS gateway's chain follower. Each invocation follows
 * the nodes that have WebSocket subscribers for 50 seconds (leaving room under its 60-second timeout to finish the
 * pushes under way), so one invocation ends before the next begins; the per-node cursor in the table carries the
 * blocks sealed in between over to the next run (socket-follower.job.ts).
 */

import { ConfigError } from '../../shared/config/config.ts';
import { HttpUpstream } from '../gateway/http-upstream.ts';
import { UPSTREAM_TIMEOUT_MS } from '../gateway/rpc-transport.ts';
import { SocketFollower, type SocketFollowerReport } from '../jobs/events/socket-follower.job.ts';
import { type AwsWiringOptions, awsCore, coldStart } from './aws-core.ts';
import { socketParts } from './aws-socket-parts.ts';

/** How long one invocation follows. */
export const FOLLOW_MS = 50_000;

export interface SocketFollowerOptions extends AwsWiringOptions {
  /** @default FOLLOW_MS */
  readonly followMs?: number;
  /** @default 1000 */
  readonly pollIntervalMs?: number;
  /** @default 5000 */
  readonly refreshMs?: number;
}

export function createSocketFollowerHandler(options: SocketFollowerOptions = {}) {
  const ready = coldStart(async () => {
    const core = awsCore('socket-follower', options);
    const endpoint = core.config.aws.socketEndpoint;
    if (!endpoint) {
      throw new ConfigError([{ variable: 'CARECHAIN_SOCKET_ENDPOINT', message: 'the WebSocket API is not named' }]);
    }
    // It only follows heads: Node's own HTTP client reaches the nodes, and no transaction passes to be inspected.
    return {
      core,
      parts: socketParts(core, endpoint, { upstream: new HttpUpstream({ timeoutMs: UPSTREAM_TIMEOUT_MS }) }),
    };
  });
  return async (): Promise<SocketFollowerReport> => {
    const { core, parts } = await ready();
    const follower = new SocketFollower({
      connections: parts.connections,
      push: parts.push,
      core: parts.storedCore,
      pollIntervalMs: options.pollIntervalMs,
      refreshMs: options.refreshMs,
    });
    try {
      const report = await follower.run(core.clock().getTime() + (options.followMs ?? FOLLOW_MS));
      core.logger.info('followed chains for WebSocket subscribers', { ...report });
      return report;
    } finally {
      await parts.meter.flush();
    }
  };
}

export const handler = createSocketFollowerHandler();
