/**
 * Network backups in the single table (docs/architecture.md, "The single table"), every write one conditional
 * single-item write:
 *
 * - `NET#<networkId>` / `BACKUPPOLICY`: the network's schedule and retention, changed by version.
 * - `NET#<networkId>` / `BACKUP#<startedAt>#<id>`: one backup, from `requested` through `running` (its `progress`
 *   rewritten by version at each step that spans passes) to `completed` or `failed`.
 * - `ORG#<orgId>` / `BACKUPCOPY#<networkId>`: where a member organisation wants the network's backups copied.
 * - `NET#<networkId>` / `BACKUPCOPIED#<backupId>#<orgId>`: one copy made (or tried), written once.
 */
import type { Backup, BackupPolicy } from '../domain/backup.ts';
import type { OutboxEntry } from '../domain/events.ts';
import { ConditionFailedError, type Item, outboxAttributes, type Table } from './table.ts';
import { type Versioned, VersionedRecords } from './versioned-records.ts';

export const backupKeys = {
  policy: (networkId: string) => ({ pk: `NET#${networkId}`, sk: 'BACKUPPOLICY' }),
  backup: (networkId: string, startedAt: string, id: string) => ({
    pk: `NET#${networkId}`,
    sk: `BACKUP#${startedAt}#${id}`,
  }),
  copyRequest: (orgId: string, networkId: string) => ({ pk: `ORG#${orgId}`, sk: `BACKUPCOPY#${networkId}` }),
  copied: (networkId: string, backupId: string, orgId: string) => ({
    pk: `NET#${networkId}`,
    sk: `BACKUPCOPIED#${backupId}#${orgId}`,
  }),
} as const;

/** A member organisation's wish to receive copies of a network's backups. */
export interface BackupCopyRequest {
  readonly orgId: string;
  readonly networkId: string;
  /** The bucket the copies go to (AWS: an S3 bucket whose policy lets the control plane write). */
  readonly bucket: string;
  readonly requestedAt: string;
  readonly requestedBy: string;
}

export interface BackupCopy {
  readonly networkId: string;
  readonly backupId: string;
  readonly orgId: string;
  readonly bucket: string;
  readonly at: string;
  /** Where the copy went, or why it did not. */
  readonly location?: string;
  readonly error?: string;
}

type CopiedItem = Item & BackupCopy;

export class BackupsRepository {
  readonly #policies: VersionedRecords<BackupPolicy>;
  readonly #backups: VersionedRecords<Backup>;
  readonly #copyRequests: VersionedRecords<BackupCopyRequest>;

  constructor(private readonly table: Table) {
    this.#policies = new VersionedRecords<BackupPolicy>(table, 'backup-policy');
    this.#backups = new VersionedRecords<Backup>(table, 'backup');
    this.#copyRequests = new VersionedRecords<BackupCopyRequest>(table, 'backup-copy-request');
  }

  async policy(networkId: string): Promise<Versioned<BackupPolicy> | undefined> {
    return this.#policies.get(backupKeys.policy(networkId));
  }

  /** Creates or replaces the policy (by the version read). */
  async savePolicy(policy: BackupPolicy): Promise<Versioned<BackupPolicy>> {
    const key = backupKeys.policy(policy.networkId);
    const current = await this.#policies.get(key);
    return current ? this.#policies.update(key, current, policy) : this.#policies.create(key, policy);
  }

  async createBackup(backup: Backup): Promise<Versioned<Backup>> {
    return this.#backups.create(keyOf(backup), backup);
  }

  async updateBackup(
    current: Versioned<Backup>,
    next: Backup,
    events: readonly OutboxEntry[] = [],
  ): Promise<Versioned<Backup>> {
    return this.#backups.update(keyOf(current), current, next, {}, events);
  }

  /** The network's backups, newest first. */
  async list(networkId: string, limit?: number): Promise<Versioned<Backup>[]> {
    return this.#backups.list(`NET#${networkId}`, 'BACKUP#', limit);
  }

  async get(networkId: string, backupId: string): Promise<Versioned<Backup> | undefined> {
    return (await this.list(networkId)).find((backup) => backup.id === backupId);
  }

  async deleteBackup(backup: Backup): Promise<void> {
    await this.table.delete(keyOf(backup));
  }

  /** Creates or replaces the organisation's request for the network (by the version read). */
  async requestCopies(request: BackupCopyRequest): Promise<void> {
    const key = backupKeys.copyRequest(request.orgId, request.networkId);
    const current = await this.#copyRequests.get(key);
    if (current) await this.#copyRequests.update(key, current, request);
    else await this.#copyRequests.create(key, request);
  }

  async copyRequest(orgId: string, networkId: string): Promise<BackupCopyRequest | undefined> {
    const request = await this.#copyRequests.get(backupKeys.copyRequest(orgId, networkId));
    return request && toCopyRequest(request);
  }

  async withdrawCopies(orgId: string, networkId: string): Promise<boolean> {
    return this.table.delete(backupKeys.copyRequest(orgId, networkId));
  }

  /** The organisation's copy requests, one per network. */
  async copyRequestsOf(orgId: string): Promise<BackupCopyRequest[]> {
    return (await this.#copyRequests.list(`ORG#${orgId}`, 'BACKUPCOPY#')).map(toCopyRequest);
  }

  /**
   * A copy made or tried; a second record of the same copy changes nothing. `events` (a failed copy's alert) go in
   * the same write, in the record's outbox.
   */
  async recordCopy(copy: BackupCopy, events: readonly OutboxEntry[] = []): Promise<void> {
    const key = backupKeys.copied(copy.networkId, copy.backupId, copy.orgId);
    try {
      await this.table.create<CopiedItem>({ ...key, ...outboxAttributes(key, events), type: 'backup-copied', ...copy });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  async copiesOf(networkId: string, backupId: string): Promise<BackupCopy[]> {
    const items = await this.table.queryAll<CopiedItem>(`NET#${networkId}`, {
      beginsWith: `BACKUPCOPIED#${backupId}#`,
    });
    return items.map(({ networkId, backupId, orgId, bucket, at, location, error }) => ({
      networkId,
      backupId,
      orgId,
      bucket,
      at,
      ...(location !== undefined && { location }),
      ...(error !== undefined && { error }),
    }));
  }
}

function keyOf(backup: Pick<Backup, 'networkId' | 'startedAt' | 'id'>) {
  return backupKeys.backup(backup.networkId, backup.startedAt, backup.id);
}

function toCopyRequest(item: BackupCopyRequest): BackupCopyRequest {
  return {
    orgId: item.orgId,
    networkId: item.networkId,
    bucket: item.bucket,
    requestedAt: item.requestedAt,
    requestedBy: item.requestedBy,
  };
}
