/**
 * Network backups as operators and members ask for them (docs/architecture.md, "Fleet operations"): a network's
 * backup policy (schedule, retention, the member node backed up), a backup now (taken by the backup runner),
 * the backups with their copies, a restore into a new node, and a member organisation's request that the backups of
 * a network it has nodes on be copied to a bucket it names. Operators' changes are audited in the platform's log,
 * members' in their own.
 */
import {
  assertPolicyLimits,
  type Backup,
  type BackupPolicy,
  backupExpiry,
  chooseBackupSource,
  DEFAULT_BACKUP_RETENTION_DAYS,
} from '../../../shared/domain/backup.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { type NodeRecord, requestedNode } from '../../../shared/domain/node.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import { InvalidStateError, NotFoundError, ValidationError } from '../../../shared/errors.ts';
import type { BackupCopy, BackupCopyRequest, BackupsRepository } from '../../../shared/store/backups.repository.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import { type AuditDeps, appendAudit, type ChangeAuthor } from '../audit/audit-trail.ts';

export interface BackupServiceDeps extends AuditDeps {
  readonly stores: AuditDeps['stores'] & {
    readonly networks: Pick<NetworksRepository, 'get'>;
    readonly nodes: Pick<NodesRepository, 'listByNetwork' | 'create' | 'get'>;
    readonly backups: BackupsRepository;
  };
  /** Told after a restored node is recorded, so the reconciler provisions it at once. */
  readonly nodeChanged?: (node: NodeRecord) => void;
}

export interface PolicyChange {
  readonly enabled: boolean;
  readonly intervalHours: number;
  readonly retentionDays: number;
  readonly sourceNodeId?: string | undefined;
}

export class BackupService {
  constructor(private readonly deps: BackupServiceDeps) {}

  async policy(networkId: string): Promise<BackupPolicy | undefined> {
    await this.#network(networkId);
    return this.deps.stores.backups.policy(networkId);
  }

  async setPolicy(author: ChangeAuthor, networkId: string, change: PolicyChange): Promise<BackupPolicy> {
    const network = await this.#network(networkId);
    assertPolicyLimits(change);
    if (change.sourceNodeId) {
      const chosen = chooseBackupSource(await this.deps.stores.nodes.listByNetwork(network.id), change.sourceNodeId);
      if ('reason' in chosen)
        throw new ValidationError(chosen.reason, [{ path: 'body.sourceNodeId', message: chosen.reason }]);
    }
    const policy: BackupPolicy = {
      networkId: network.id,
      enabled: change.enabled,
      intervalHours: change.intervalHours,
      retentionDays: change.retentionDays,
      ...(change.sourceNodeId && { sourceNodeId: change.sourceNodeId }),
      updatedAt: this.deps.clock().toISOString(),
      updatedBy: author.actor.id,
    };
    const saved = await this.deps.stores.backups.savePolicy(policy);
    await this.#audit(author, PLATFORM_ORG_ID, 'backup.policy-set', network.id, { ...change });
    return saved;
  }

  /** The network's backups, newest first, each with the copies made of it. */
  async list(networkId: string): Promise<Array<Backup & { copies: BackupCopy[] }>> {
    await this.#network(networkId);
    const backups = await this.deps.stores.backups.list(networkId, 100);
    return Promise.all(
      backups.map(async (backup) => ({
        ...backup,
        copies: await this.deps.stores.backups.copiesOf(networkId, backup.id),
      })),
    );
  }

  /** Asks for a backup now; the backup runner takes it on its next pass. */
  async request(author: ChangeAuthor, networkId: string): Promise<Backup> {
    const network = await this.#network(networkId);
    const policy = await this.deps.stores.backups.policy(network.id);
    const chosen = chooseBackupSource(await this.deps.stores.nodes.listByNetwork(network.id), policy?.sourceNodeId);
    if ('reason' in chosen) throw new InvalidStateError(chosen.reason);
    const startedAt = this.deps.clock().toISOString();
    const backup: Backup = {
      id: newId('backup'),
      networkId: network.id,
      sourceNodeId: chosen.node.id,
      sourceOrgId: chosen.node.orgId,
      state: 'requested',
      startedAt,
      expiresAt: backupExpiry(startedAt, policy?.retentionDays ?? DEFAULT_BACKUP_RETENTION_DAYS),
      trigger: 'operator',
    };
    const created = await this.deps.stores.backups.createBackup(backup);
    await this.#audit(author, PLATFORM_ORG_ID, 'backup.requested', network.id, { backupId: backup.id });
    return created;
  }

  /**
   * A new node of the backup's source organisation that starts from the backup's chain data and syncs the rest from
   * its peers. It has its own key: the backup holds none.
   */
  async restore(author: ChangeAuthor, networkId: string, backupId: string): Promise<NodeRecord> {
    const network = await this.#network(networkId);
    const backup = await this.deps.stores.backups.get(network.id, backupId);
    if (!backup) throw new NotFoundError('No such backup');
    if (backup.state !== 'completed' || !backup.artifact) {
      throw new InvalidStateError(`The backup is ${backup.state}: only a completed backup can be restored`);
    }
    const source = await this.deps.stores.nodes.get(backup.sourceOrgId, backup.sourceNodeId);
    const id = newId('node');
    const node = requestedNode(
      {
        id,
        orgId: backup.sourceOrgId,
        networkId: network.id,
        name: `restored-${id.slice(-6)}`,
        role: 'member',
        hosting: 'managed',
        size: source?.size ?? 'small',
        region: source?.region ?? 'eu-north-1',
        runtime: source?.runtime === 'external' || !source ? 'besu' : source.runtime,
        restoredFrom: { backupId: backup.id, artifact: backup.artifact },
      },
      this.deps.clock().toISOString(),
    );
    await this.deps.stores.nodes.create(node);
    const details = { nodeId: node.id, backupId: backup.id, blockNumber: backup.blockNumber ?? null };
    await this.#audit(author, PLATFORM_ORG_ID, 'backup.restored', network.id, details);
    if (node.orgId !== PLATFORM_ORG_ID) await this.#audit(author, node.orgId, 'backup.restored', node.id, details);
    this.deps.nodeChanged?.(node);
    return node;
  }

  /** A member organisation asks for copies of the network's backups in `bucket`. */
  async requestCopies(
    author: ChangeAuthor,
    orgId: string,
    networkId: string,
    bucket: string,
  ): Promise<BackupCopyRequest> {
    await this.#memberNetwork(orgId, networkId);
    const request: BackupCopyRequest = {
      orgId,
      networkId,
      bucket,
      requestedAt: this.deps.clock().toISOString(),
      requestedBy: author.actor.id,
    };
    await this.deps.stores.backups.requestCopies(request);
    await this.#audit(author, orgId, 'backup.copies-requested', networkId, { bucket });
    return request;
  }

  async copyRequests(orgId: string): Promise<BackupCopyRequest[]> {
    return this.deps.stores.backups.copyRequestsOf(orgId);
  }

  async withdrawCopies(author: ChangeAuthor, orgId: string, networkId: string): Promise<void> {
    if (!(await this.deps.stores.backups.withdrawCopies(orgId, networkId))) {
      throw new NotFoundError('No copies were asked for on that network');
    }
    await this.#audit(author, orgId, 'backup.copies-withdrawn', networkId, {});
  }

  /** The network, when the organisation has a node on it (anyone else is told it does not exist). */
  async #memberNetwork(orgId: string, networkId: string) {
    const network = await this.deps.stores.networks.get(networkId);
    const nodes = network ? await this.deps.stores.nodes.listByNetwork(network.id) : [];
    if (!network || !nodes.some((n) => n.orgId === orgId && n.state !== 'terminated')) {
      throw new ValidationError('Your organisation has no node on that network', [
        { path: 'body.networkId', message: 'not a network of yours' },
      ]);
    }
    return network;
  }

  async #audit(author: ChangeAuthor, orgId: string, action: string, target: string, details: Record<string, unknown>) {
    await appendAudit(this.deps, author.requestId, { orgId, actor: author.actor, action, target, details });
  }

  async #network(networkId: string) {
    const network = await this.deps.stores.networks.get(networkId);
    if (!network) throw new NotFoundError('No such network');
    return network;
  }
}
