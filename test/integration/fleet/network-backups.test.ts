/**
 * Network backups on the local Besu runtime (stand-in processes): an operator sets the network's policy and asks for
 * a backup; the backup runner stops the member node, archives its data directory without its key, starts it again
 * and copies the archive to the bucket the member organisation named (locally a folder under the data dir). Then the
 * node's data is deleted, the backup is restored into a new node of the same organisation (with a key of its own),
 * and that node reaches the network's head. A backup of a node that does not serve fails and raises `backup.failed`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { list as listTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupRunner } from '../../../functions/jobs/fleet/backup-runner.ts';
import { LocalBucketCopier } from '../../../shared/adapters/local/local-bucket-copier.ts';
import { nodeKeyIdentity } from '../../../shared/chain/besu/node-key.ts';
import { height, waitFor } from '../providers/besu-test-support.ts';
import { type FleetTestNetwork, startFleetTestNetwork } from './fleet-test-network.ts';

let net: FleetTestNetwork;

beforeAll(async () => {
  net = await startFleetTestNetwork('backup-lab');
}, 60_000);
afterAll(async () => {
  await net?.close();
});

async function entriesOf(archive: string): Promise<string[]> {
  const entries: string[] = [];
  await listTar({ file: archive, onReadEntry: (entry) => entries.push(entry.path) });
  return entries;
}

describe('network backups', () => {
  it('backs up a member node, copies it to the member’s bucket, and restores it into a node that reaches the head', async () => {
    const { api, network, dataDir } = net;
    const { token } = await api.signup('Backup Clinic Admin');
    const org = await api.createOrg(token, 'Backup Clinic');
    const source = await net.memberNode(org.id);
    const operator = await api.loginOperator();
    const validatorUrl = await waitFor('a validator answering', async () => {
      const [first] = await net.fleet.members(network);
      return first?.rpcUrl;
    });
    await waitFor('blocks', async () => (await height(source.endpoints.rpcUrl as string)) > 2, 20_000);

    const copies = await api.call('PUT', `/v1/orgs/${org.id}/backup-copies`, {
      token,
      body: { networkId: network.id, bucket: 'clinic-chain-backups' },
    });
    expect(copies.status).toBe(200);
    const policy = await api.call('PUT', `/v1/networks/${network.id}/backup-policy`, {
      token: operator,
      body: { enabled: true, intervalHours: 24, retentionDays: 7, sourceNodeId: source.id },
    });
    expect(policy.status).toBe(200);
    const requested = await api.call('POST', `/v1/networks/${network.id}/backups`, { token: operator });
    expect(requested.status).toBe(202);

    const runner = new BackupRunner({
      stores: api.stores,
      fleet: net.fleet,
      copier: new LocalBucketCopier(dataDir),
      logger: api.deps.logger,
      clock: () => new Date(),
    });
    expect(await runner.runPass()).toMatchObject({ taken: 1, failed: 0 });
    const listed = await api.call('GET', `/v1/networks/${network.id}/backups`, { token: operator });
    const [backup] = listed.json.items;
    expect(backup).toMatchObject({ id: requested.json.id, state: 'completed', artifact: { kind: 'archive' } });
    expect(backup.blockNumber).toBeGreaterThan(2);
    expect(backup.copies).toEqual([
      expect.objectContaining({ orgId: org.id, bucket: 'clinic-chain-backups', error: null }),
    ]);
    const archive = join(dataDir, 'backups', network.id, `${backup.id}.tar.gz`);
    const entries = await entriesOf(archive);
    expect(entries.some((path) => path.endsWith('stand-in-height'))).toBe(true);
    expect(entries.some((path) => /(^|\/)key$/.test(path))).toBe(false);
    const copy = join(
      dataDir,
      'member-buckets',
      'clinic-chain-backups',
      'carechain',
      network.id,
      `${backup.id}.tar.gz`,
    );
    expect(readFileSync(copy)).toEqual(readFileSync(archive));
    // The node was started again after the backup.
    await waitFor(
      'the source node back',
      async () => (await height(source.endpoints.rpcUrl as string)) >= backup.blockNumber,
    );

    // The node's data is lost.
    await net.provider.stop(source);
    const sourceData = join(dataDir, 'besu', source.id, 'data');
    const sourceKey = nodeKeyIdentity(readFileSync(join(sourceData, 'key'), 'utf8'));
    await rm(sourceData, { recursive: true, force: true });

    const restored = await api.call('POST', `/v1/networks/${network.id}/backups/${backup.id}/restore`, {
      token: operator,
    });
    expect(restored.status).toBe(201);
    expect(restored.json.orgId).toBe(org.id);
    const node = await net.reconcileUntilRunning({ orgId: org.id, id: restored.json.nodeId });
    expect(node.restoredFrom?.backupId).toBe(backup.id);
    const restoredKey = nodeKeyIdentity(readFileSync(join(dataDir, 'besu', node.id, 'data', 'key'), 'utf8'));
    expect(restoredKey.address).not.toBe(sourceKey.address);
    await waitFor(
      'the restored node at the network’s head',
      async () => (await height(node.endpoints.rpcUrl as string)) >= (await height(validatorUrl)),
      30_000,
    );

    // The member can see its node's restore in its own log.
    const memberLog = await api.call('GET', `/v1/orgs/${org.id}/audit`, { token });
    expect(memberLog.json.items.map((e: { action: string }) => e.action)).toContain('backup.restored');
  }, 180_000);

  it('records a failed backup and raises the backup.failed alert for the network’s members', async () => {
    const { api, network } = net;
    const { token } = await api.signup('Failing Clinic Admin');
    const org = await api.createOrg(token, 'Failing Clinic');
    const source = await net.memberNode(org.id);
    const operator = await api.loginOperator();
    await api.call('PUT', `/v1/networks/${network.id}/backup-policy`, {
      token: operator,
      body: { enabled: true, intervalHours: 24, retentionDays: 7, sourceNodeId: source.id },
    });
    // The process stops behind the record's back: the record still says it runs.
    await net.provider.stop(source);
    const requested = await api.call('POST', `/v1/networks/${network.id}/backups`, { token: operator });
    expect(requested.status).toBe(202);
    const runner = new BackupRunner({
      stores: api.stores,
      fleet: net.fleet,
      logger: api.deps.logger,
      clock: () => new Date(),
    });
    expect(await runner.runPass()).toMatchObject({ taken: 0, failed: 1 });
    const listed = await api.call('GET', `/v1/networks/${network.id}/backups`, { token: operator });
    const failed = listed.json.items.find((b: { id: string }) => b.id === requested.json.id);
    expect(failed).toMatchObject({ state: 'failed' });
    expect(failed.error).toContain('does not serve');
    expect(existsSync(join(net.dataDir, 'backups', network.id, `${failed.id}.tar.gz`))).toBe(false);
    const memberLog = await api.call('GET', `/v1/orgs/${org.id}/audit`, { token });
    const alert = memberLog.json.items.find((e: { action: string }) => e.action === 'backup.failed');
    expect(alert?.details).toMatchObject({ alert: true, severity: 'warning', backupId: failed.id });
    // The alert is an event of the member too, written with the failed backup (webhooks deliver it).
    expect(await net.waitingEvents()).toContainEqual(
      expect.objectContaining({
        type: 'backup.failed',
        orgId: org.id,
        data: expect.objectContaining({ backupId: failed.id }),
      }),
    );
  }, 120_000);
});
