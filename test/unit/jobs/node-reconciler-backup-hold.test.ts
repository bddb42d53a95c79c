/**
 * A backup of an EC2 node keeps its instance stopped over several fleet passes, until the snapshot; the reconciler,
 * which starts a serving node it finds stopped, leaves that one alone while the backup is `stopping`, and starts it
 * as usual once no backup holds it (here: the backup failed). The table is real (dynalite), EC2 answers through
 * aws-sdk-client-mock as for a stopped instance.
 */
import { EC2Client, StartInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeReconciler } from '../../../functions/jobs/node-reconciler.ts';
import { Ec2NodeProvider } from '../../../shared/adapters/aws/ec2-node-provider.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { createLogger } from '../../../shared/observability/logger.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { OFFLINE_CREDENTIALS, REGION, startTable, TABLE_NAME } from '../handlers/handler-fixtures.ts';
import { backupInstance } from '../providers/ec2-backup-instance.ts';
import { aBackup, aNetwork, aNode } from '../providers/node-fixtures.ts';

const client = new EC2Client({ region: REGION, credentials: OFFLINE_CREDENTIALS });
const ec2 = mockClient(client);
const INSTANCE = 'i-0a1b2c3d4e5f60719';
let dynamo: EmbeddedDynamo;

beforeAll(async () => {
  dynamo = await startTable();
});
afterAll(() => dynamo.close());

describe('the reconciler and a backup that holds an EC2 node stopped', () => {
  it('leaves the instance stopped while the backup is stopping it, and starts it once no backup holds it', async () => {
    const stores = createStores(new Table(dynamo.client, TABLE_NAME));
    const network = await stores.networks.create(aNetwork());
    const node = await stores.nodes.create(aNode(network, { runtime: 'ec2', state: 'running', providerRef: INSTANCE }));
    const since = new Date().toISOString();
    const deadline = new Date(Date.now() + 300_000).toISOString();
    const backup = await stores.backups.createBackup(
      aBackup(node, { state: 'running', progress: { phase: 'stopping', since, deadline } }),
    );
    ec2.reset();
    const instance = backupInstance(ec2, INSTANCE, node.id);
    instance.state = 'stopped';
    const reconciler = new NodeReconciler({
      nodes: stores.nodes,
      networks: stores.networks,
      audit: stores.audit,
      backups: stores.backups,
      providers: {
        ec2: new Ec2NodeProvider({
          client,
          launchTemplate: { id: 'lt-0123456789abcdef0', version: '$Default' },
          renderArtifacts: () => ({ genesisJson: '{"config":{"chainId":1}}', besuConfigToml: 'data-path="/x"' }),
        }),
      },
      logger: createLogger({ level: 'silent' }),
      clock: () => new Date(),
    });

    await reconciler.reconcileById(node.orgId, node.id);
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(0);
    expect((await stores.nodes.get(node.orgId, node.id))?.state).toBe('running');

    const { progress: _gone, ...rest } = backup;
    await stores.backups.updateBackup(backup, { ...rest, state: 'failed', error: 'the instance did not stop' });
    await reconciler.reconcileById(node.orgId, node.id);
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(1);
    expect((await stores.nodes.get(node.orgId, node.id))?.state).toBe('starting');
  });
});
