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

import { S3Client } from '@aws-sdk/client-s3';
import { createFleetEc2Client, Ec2NodeProvider } from '../../shared/adapters/aws/ec2-node-provider.ts';
import { HttpNodeProbe } from '../../shared/adapters/http/http-node-probe.ts';
import { SelfHostedNodeProvider } from '../../shared/adapters/self-hosted/self-hosted-node-provider.ts';
import { requireAwsSettings } from '../../shared/config/config.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import { AuditRepository } from '../../shared/store/audit.repository.ts';
import { NetworksRepository } from '../../shared/store/networks.repository.ts';
import { NodesRepository } from '../../shared/store/nodes.repository.ts';
import { NetworkPeering } from '../jobs/network-peering.ts';
import { NodeReconciler, type ReconcileReport } from '../jobs/node-reconciler.ts';
import { Ec2GenesisValidators } from '../services/networks/genesis-validator-nodes.ts';
import { type AwsWiringOptions, awsCore, coldStart } from './aws-core.ts';
import { fleetNodeKeys } from './fleet-node-keys.ts';
import { fleetNodeArtifacts, S3NodeFiles } from './node-config-bucket.ts';
import { NodeWorkMessage } from './node-queue.ts';

/** The part of an SQS event the reconciler reads. */
export interface SqsEvent {
  readonly Records: readonly { readonly messageId: string; readonly body: string; readonly eventSource?: string }[];
}

export interface SqsBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

export function createReconcilerHandler(options: AwsWiringOptions = {}) {
  const ready = coldStart(async () => {
    const { config, clock, logger, table, clients } = awsCore('reconciler', options);
    const nodes = new NodesRepository(table, clock);
    const networks = new NetworksRepository(table);
    const aws = requireAwsSettings(
      config,
      ['launchTemplates', 'nodeSubnetIds', 'nodeConfigBucket'],
      'the reconciler, which launches managed nodes',
    );
    const nodeKeys = fleetNodeKeys(config, clients.secretsManager);
    // Genesis validators whose network was recorded but not they (a request cut short) are recorded by the pass.
    const genesis = nodeKeys
      ? new Ec2GenesisValidators({
          nodeKeys,
          nodes,
          count: config.besuGenesisValidators,
          size: config.genesisValidatorSize,
          region: config.awsRegion,
          clock,
          logger: logger.child({ component: 'genesis-validators' }),
        })
      : undefined;
    const nodeFiles = new S3NodeFiles(clients.s3 ?? new S3Client({ region: config.awsRegion }), aws.nodeConfigBucket);
    const ec2 = new Ec2NodeProvider({
      client: clients.ec2 ?? createFleetEc2Client({ region: config.awsRegion }),
      launchTemplate: aws.launchTemplates,
      subnetIds: aws.nodeSubnetIds,
      nodeFiles,
      renderArtifacts: fleetNodeArtifacts,
      stage: aws.stage,
      nodeKeys,
    });
    // Members' URLs are untrusted: in AWS they may lead only to public addresses.
    const selfHosted = new SelfHostedNodeProvider(
      async (id) => (await networks.get(id))?.chainId,
      new HttpNodeProbe({ memberPrivateAddresses: false }),
    );
    const reconciler = new NodeReconciler({
      nodes,
      networks,
      audit: new AuditRepository(table),
      providers: { ec2, external: selfHosted },
      logger,
      clock,
      peering: new NetworkPeering({
        nodes,
        networks,
        logger: logger.child({ component: 'peering' }),
        staticNodes: nodeFiles,
      }),
    });
    return { reconciler, logger, genesis, networks };
  });

  return async (event: unknown): Promise<SqsBatchResponse | ReconcileReport> => {
    const { reconciler, logger, genesis, networks } = await ready();
    if (isSqsEvent(event)) return reconcileMessages(reconciler, event, logger);
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
): Promise<SqsBatchResponse> {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    const message = NodeWorkMessage.safeParse(parseJson(record.body));
    if (!message.success) {
      // Kept for an operator: it fails again until it reaches the dead-letter queue.
      logger.error('provisioning message is not { orgId, nodeId }', { messageId: record.messageId });
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    const { orgId, nodeId } = message.data;
    try {
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
