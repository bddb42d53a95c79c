/**
 * The provisioning queue (SQS) in AWS mode: what `AppDeps.nodeChanged` does there, and how the API asks for an
 * operator's restart of a node it may not reboot itself (`requestRestart`). A node whose record changed is sent
 * as `{ orgId, nodeId }` to the queue the reconciler consumes, so it acts within seconds instead of at its next
 * scheduled pass. The message names the node only: the reconciler reads the record afresh.
 *
 * `nodeChanged` cannot wait (the API answers first), so sends run in the background and the handler awaits
 * `drain()` before its invocation ends: a frozen container would never finish them. A send that fails loses
 * nothing but time, as the scheduled pass finds the node anyway; it is logged, not thrown at the user.
 *
 * The SQS client and its package are loaded at the first send (`client`): most of the API's requests send nothing.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { idPattern } from '../../domain/ids.ts';
import type { NodeRecord } from '../../domain/node.ts';
import { lazyOnce } from '../../lazy-once.ts';
import type { Logger } from '../../observability/logger.ts';

/** The SQS package's commands, loaded with the first send. */
const loadSqs = lazyOnce(() => import('@aws-sdk/client-sqs'));

/**
 * The body of a provisioning-queue message. Without `action`: reconcile the node. `restart`: an operator's
 * restart of a node the platform runs (stall recovery), carried out by the reconciler, which has the EC2 rights
 * the API has not; `requestedAt` lets it drop a request that waited too long to still be wanted.
 */
export const NodeWorkMessage = z.strictObject({
  orgId: z.string().min(1).max(100),
  nodeId: z.string().regex(idPattern('node')),
  action: z.literal('restart').optional(),
  requestedAt: z.iso.datetime().optional(),
});
export type NodeWorkMessage = z.infer<typeof NodeWorkMessage>;

export class SqsNodeQueue {
  readonly #pending = new Set<Promise<void>>();

  constructor(
    private readonly client: () => Promise<SQSClient>,
    private readonly queueUrl: string,
    private readonly logger: Logger,
  ) {}

  /** `AppDeps.nodeChanged`: queues the node for the reconciler without holding up the caller. */
  readonly nodeChanged = (node: NodeRecord): void => {
    const sending = this.send({ orgId: node.orgId, nodeId: node.id })
      .catch((error: unknown) =>
        this.logger.warn('could not queue node work; the scheduled reconciler pass will pick the node up', {
          nodeId: node.id,
          error,
        }),
      )
      .finally(() => this.#pending.delete(sending));
    this.#pending.add(sending);
  };

  /**
   * Asks the reconciler to restart the node now (its EC2 instance is rebooted within seconds). Awaited: the caller
   * reports a request that could not be queued as a failure for that node.
   */
  async requestRestart(node: NodeRecord, requestedAt: Date): Promise<void> {
    await this.send({ orgId: node.orgId, nodeId: node.id, action: 'restart', requestedAt: requestedAt.toISOString() });
  }

  async send(message: NodeWorkMessage): Promise<void> {
    const [sqs, { SendMessageCommand }] = await Promise.all([this.client(), loadSqs()]);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(NodeWorkMessage.parse(message)),
      }),
    );
  }

  /** Waits for every send under way (each either sent or logged). */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }
}
