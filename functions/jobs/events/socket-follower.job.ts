/**
 * The AWS gateway's chain follower (docs/architecture.md, "Event streams in AWS"): API Gateway holds the WebSocket
 * connections, so a scheduled function follows the head of every node that has subscribers, for most of a minute
 * per invocation, and pushes each block's notifications to the connections subscribed to it through ConnectionPush
 * (PostToConnection). The same HeadFollower and notification shapes as the local server; each notification is
 * metered as locally (10 compute units).
 *
 * - Connections are read from the table every few seconds (new subscribers join, closed ones leave). Each one's
 *   credential is admitted again once per run, as the local server does every minute; one no longer admitted is
 *   closed.
 * - A node's last notified block is kept in the table (WSCURSOR), so the blocks sealed between two runs are sent at
 *   the start of the next. The cursor moves before a block is pushed, with a conditional write, so two runs that
 *   overlap never push a block twice; a run that dies between the two loses that block's notifications (at most
 *   once, as Ethereum clients' subscriptions are). A node more than `maxCatchUpBlocks` behind starts at its head.
 * - A connection API Gateway answers 410 (Gone) for is forgotten, and its key's counts given back.
 */
import { RPC_COMPUTE_UNITS, SUBSCRIPTION_NOTIFICATION } from '../../../shared/domain/metering.ts';
import { AppError } from '../../../shared/errors.ts';
import type { ConnectionPush } from '../../../shared/ports/connection-push.ts';
import type {
  SocketConnection,
  SocketConnectionsRepository,
} from '../../../shared/store/socket-connections.repository.ts';
import type { Admitted, GatewayCore } from '../../gateway/create-gateway.ts';
import { type ChainObject, HeadFollower } from '../../gateway/head-follower.ts';
import { closingNotice, storedSecret } from '../../gateway/socket-api.ts';
import { headerOf, notificationsFor } from '../../gateway/subscriptions.ts';

export interface SocketFollowerDeps {
  readonly connections: SocketConnectionsRepository;
  readonly push: ConnectionPush;
  /** Admits connections from their records (storedCredentialDeps); meters notifications; reaches the nodes. */
  readonly core: GatewayCore;
  /** How often each node's head is polled. @default 1000 */
  readonly pollIntervalMs?: number;
  /** How often the subscribed connections are read again. @default 5000 */
  readonly refreshMs?: number;
  /** @default 120 */
  readonly maxCatchUpBlocks?: number;
}

export interface SocketFollowerReport {
  readonly nodes: number;
  readonly blocks: number;
  readonly notifications: number;
  readonly gone: number;
  readonly closed: number;
}

const NOTIFICATION_UNITS = RPC_COMPUTE_UNITS[SUBSCRIPTION_NOTIFICATION] ?? 10;

interface FollowedNode {
  readonly connections: Map<string, SocketConnection>;
  stop: () => void;
  /** Blocks are pushed one after another, in order. */
  queue: Promise<void>;
}

export class SocketFollower {
  readonly #nodes = new Map<string, FollowedNode>();
  /** Connections admitted in this run, and those refused (closed). */
  readonly #admitted = new Map<string, Admitted | 'refused'>();
  #report = { nodes: 0, blocks: 0, notifications: 0, gone: 0, closed: 0 };

  constructor(private readonly deps: SocketFollowerDeps) {}

  /** Follows until `deadline` (epoch ms), then stops and waits for pushes under way. */
  async run(deadline: number): Promise<SocketFollowerReport> {
    const { core } = this.deps;
    const follower = new HeadFollower({
      upstream: core.upstream,
      logger: core.logger,
      pollIntervalMs: this.deps.pollIntervalMs ?? 1000,
      maxCatchUpBlocks: this.deps.maxCatchUpBlocks ?? 120,
    });
    try {
      while (core.clock().getTime() < deadline) {
        await this.#refresh(follower);
        const wait = Math.min(this.deps.refreshMs ?? 5000, deadline - core.clock().getTime());
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    } finally {
      follower.stopAll();
      await Promise.all([...this.#nodes.values()].map((node) => node.queue));
    }
    return { ...this.#report, nodes: this.#nodes.size };
  }

  /** Reads the subscribed connections again and follows the nodes they are on. */
  async #refresh(follower: HeadFollower): Promise<void> {
    const listed = await this.deps.connections.listSubscribed();
    const byNode = new Map<string, Map<string, SocketConnection>>();
    for (const connection of listed) {
      const admitted = await this.#admit(connection);
      if (!admitted) continue;
      const connections = byNode.get(connection.nodeId) ?? new Map<string, SocketConnection>();
      connections.set(connection.connectionId, connection);
      byNode.set(connection.nodeId, connections);
    }
    for (const [nodeId, connections] of byNode) {
      const followed = this.#nodes.get(nodeId);
      if (followed) {
        followed.connections.clear();
        for (const [id, connection] of connections) followed.connections.set(id, connection);
        continue;
      }
      const first = connections.values().next().value as SocketConnection;
      const admitted = this.#admitted.get(first.connectionId) as Admitted;
      await this.#follow(follower, nodeId, admitted.node.rpcUrl, connections);
    }
    for (const [nodeId, node] of this.#nodes) if (!byNode.has(nodeId)) node.connections.clear();
  }

  async #follow(
    follower: HeadFollower,
    nodeId: string,
    rpcUrl: string,
    connections: Map<string, SocketConnection>,
  ): Promise<void> {
    const node: FollowedNode = { connections, stop: () => undefined, queue: Promise.resolve() };
    this.#nodes.set(nodeId, node);
    const after = await this.deps.connections.headCursor(nodeId);
    node.stop = follower.follow(
      rpcUrl,
      {
        get wantsLogs() {
          for (const connection of node.connections.values()) {
            for (const subscription of Object.values(connection.subscriptions)) {
              if (subscription.kind === 'logs') return true;
            }
          }
          return false;
        },
        onBlock: (block, logs) => {
          node.queue = node.queue
            .then(() => this.#announce(nodeId, node, block, logs))
            .catch((error: unknown) => this.deps.core.logger.warn('pushing a block failed', { nodeId, error }));
        },
        onFailure: (reason) =>
          this.deps.core.logger.warn('the node stopped answering the follower', { nodeId, reason }),
      },
      after,
    );
  }

  async #announce(nodeId: string, node: FollowedNode, block: ChainObject, logs: readonly ChainObject[]) {
    const moved = await this.deps.connections.advanceHeadCursor(nodeId, {
      number: BigInt(String(block.number)),
      hash: String(block.hash),
    });
    // Another run pushed this block already.
    if (!moved) return;
    this.#report.blocks++;
    const header = headerOf(block);
    await Promise.all([...node.connections.values()].map((connection) => this.#notify(node, connection, header, logs)));
  }

  async #notify(
    node: FollowedNode,
    connection: SocketConnection,
    header: Record<string, unknown>,
    logs: readonly ChainObject[],
  ): Promise<void> {
    let sent = 0;
    try {
      for (const [id, subscription] of Object.entries(connection.subscriptions)) {
        for (const text of notificationsFor({ id, ...subscription }, header, logs)) {
          if ((await this.deps.push.post(connection.connectionId, text)) === 'gone') {
            node.connections.delete(connection.connectionId);
            await this.deps.connections.close(connection.connectionId);
            this.#report.gone++;
            return;
          }
          sent++;
        }
      }
    } finally {
      this.#report.notifications += sent;
      this.deps.core.meterComputeUnits(connection.orgId, sent * NOTIFICATION_UNITS);
    }
  }

  /** Admits a connection once per run; one no longer admitted (key revoked, suspended, node gone) is closed. */
  async #admit(connection: SocketConnection): Promise<Admitted | undefined> {
    const known = this.#admitted.get(connection.connectionId);
    if (known) return known === 'refused' ? undefined : known;
    try {
      const admitted = await this.deps.core.admit(connection.nodeId, storedSecret(connection.credential));
      this.#admitted.set(connection.connectionId, admitted);
      return admitted;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      this.#admitted.set(connection.connectionId, 'refused');
      this.#report.closed++;
      await this.deps.push.post(connection.connectionId, closingNotice(error.message));
      await this.deps.push.close(connection.connectionId);
      await this.deps.connections.close(connection.connectionId);
      return undefined;
    }
  }
}
