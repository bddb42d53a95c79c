/**
 * Takes network backups (docs/architecture.md, "Fleet operations"): each pass takes the backups operators asked for
 * and those the network's policy says are due, from a member node the platform runs (stop, copy its chain data
 * without its key, start: the runtime's `backup`), copies each new backup to the buckets member organisations named,
 * and removes backups past their retention (the newest completed one is always kept). A failure is recorded on the
 * backup and raises the `backup.failed` alert.
 *
 * A backup that takes longer than one pass (EC2: the instance's stop, then its archive) is a sequence of short steps:
 * each pass advances a running backup by one step and keeps the step's progress (phase, deadline, what was made) on
 * the backup's record by a conditional write; the next pass resumes from it. A step that throws leaves the backup in
 * its phase for the next pass while the phase's deadline (and a grace after it) allows.
 */
import {
  type Backup,
  backupDue,
  backupExpiry,
  backupStepRetryable,
  chooseBackupSource,
  expiredBackups,
} from '../../../shared/domain/backup.ts';
import type { BackupArtifact } from '../../../shared/domain/backup-artifact.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import { InvalidStateError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/observability/logger.ts';
import type { BackupCopier } from '../../../shared/ports/backup-copier.ts';
import type { BackupStep, NodeBackup } from '../../../shared/ports/node-provider.ts';
import type { AuditRepository } from '../../../shared/store/audit.repository.ts';
import type { BackupsRepository } from '../../../shared/store/backups.repository.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import type { Versioned } from '../../../shared/store/versioned-records.ts';
import { auditFleetJob, raiseAlerts } from '../../services/fleet/fleet-alerts.ts';
import type { NetworkFleet } from '../../services/fleet/network-fleet.ts';

export interface BackupRunnerDeps {
  readonly stores: {
    readonly networks: NetworksRepository;
    readonly nodes: NodesRepository;
    readonly backups: BackupsRepository;
    readonly audit: AuditRepository;
  };
  readonly fleet: NetworkFleet;
  /** Where member organisations' copies go; without one, copies are not made. */
  readonly copier?: BackupCopier;
  readonly logger: Logger;
  readonly clock: () => Date;
}

/** How many of a network's newest backups a pass looks at (running, requested, copies pending, the latest taken). */
const RECENT_BACKUPS = 20;

export class BackupRunner {
  constructor(private readonly deps: BackupRunnerDeps) {}

  async runPass(): Promise<{ taken: number; running: number; failed: number; expired: number }> {
    const report = { taken: 0, running: 0, failed: 0, expired: 0 };
    for (const network of await this.deps.stores.networks.list()) {
      if (network.status !== 'active') continue;
      try {
        // The network's recent backups, read once: copies a pass left unmade, then the backup to advance.
        const recent = await this.deps.stores.backups.list(network.id, RECENT_BACKUPS);
        await this.#finishCopies(network, recent);
        const backup = await this.#due(network, recent);
        if (backup) {
          const done = await this.take(network, backup);
          if (done.state === 'completed') report.taken++;
          else if (done.state === 'failed') report.failed++;
          else report.running++;
        }
        report.expired += await this.#expire(network);
      } catch (error) {
        this.deps.logger.warn('backup pass failed for a network; the next pass retries', {
          networkId: network.id,
          error,
        });
      }
    }
    return report;
  }

  /** The running backup (its next step), a requested one, or a new scheduled one when the policy says one is due. */
  async #due(network: Network, recent: readonly Versioned<Backup>[]): Promise<Versioned<Backup> | undefined> {
    const { backups } = this.deps.stores;
    const next = recent.find((b) => b.state === 'running') ?? recent.find((b) => b.state === 'requested');
    if (next) return next;
    const policy = await backups.policy(network.id);
    const now = this.deps.clock();
    if (!policy || !backupDue(policy, recent[0], now.getTime())) return undefined;
    const chosen = chooseBackupSource(await this.deps.stores.nodes.listByNetwork(network.id), policy.sourceNodeId);
    const startedAt = now.toISOString();
    const backup: Backup = {
      id: newId('backup'),
      networkId: network.id,
      sourceNodeId: 'node' in chosen ? chosen.node.id : (policy.sourceNodeId ?? 'none'),
      sourceOrgId: 'node' in chosen ? chosen.node.orgId : PLATFORM_ORG_ID,
      state: 'requested',
      startedAt,
      expiresAt: backupExpiry(startedAt, policy.retentionDays),
      trigger: 'schedule',
    };
    return backups.createBackup(backup);
  }

  /**
   * Advances one backup by one step: the first step of a requested one, the next of a running one. A completed
   * backup is then copied to the members' buckets.
   */
  async take(network: Network, due: Versioned<Backup>): Promise<Backup> {
    const { backups, nodes } = this.deps.stores;
    let backup = due.state === 'requested' ? await backups.updateBackup(due, { ...due, state: 'running' }) : due;
    const now = this.deps.clock();
    let step: BackupStep;
    try {
      const node = await nodes.get(backup.sourceOrgId, backup.sourceNodeId);
      if (!node) throw new InvalidStateError('its source node no longer exists');
      const provider = this.deps.fleet.backupProvider(node.runtime);
      if (!provider?.backup) {
        throw new InvalidStateError(
          node.runtime === 'anvil'
            ? 'nodes of the anvil runtime share one chain process: there is no node data of its own to back up'
            : `nodes of the ${node.runtime} runtime cannot be backed up`,
        );
      }
      step = await provider.backup(node, {
        backupId: backup.id,
        now,
        ...(backup.progress !== undefined && { progress: backup.progress }),
      });
    } catch (error) {
      if (!backupStepRetryable(backup.progress, now.getTime())) return this.#fail(network, backup, error);
      this.deps.logger.warn('backup step failed; the next pass resumes it', {
        networkId: network.id,
        backupId: backup.id,
        phase: backup.progress?.phase,
        error,
      });
      return backup;
    }
    if (step.state === 'failed') return this.#fail(network, backup, new InvalidStateError(step.reason));
    if (step.state === 'running') {
      // A step that found nothing new (the instance still stopping, no archive yet) writes nothing.
      if (JSON.stringify(step.progress) === JSON.stringify(backup.progress)) return backup;
      return backups.updateBackup(backup, { ...backup, progress: step.progress });
    }
    backup = await this.#complete(backup, step.backup);
    await this.#audit(network, 'backup.completed', { backupId: backup.id, blockNumber: backup.blockNumber ?? null });
    return this.#copy(network, backup);
  }

  /** Copies a pass left unmade after completing a backup (it stopped between the two writes). */
  async #finishCopies(network: Network, recent: readonly Versioned<Backup>[]): Promise<void> {
    for (const backup of recent) {
      if (backup.state === 'completed' && backup.copiesPending) await this.#copy(network, backup);
    }
  }

  async #complete(running: Versioned<Backup>, made: NodeBackup): Promise<Versioned<Backup>> {
    const { blockNumber, archive, ...artifact } = made;
    const { progress: _done, ...backup } = running;
    return this.deps.stores.backups.updateBackup(running, {
      ...backup,
      state: 'completed',
      finishedAt: this.deps.clock().toISOString(),
      copiesPending: true,
      artifact,
      ...(archive !== undefined && { archive }),
      ...(blockNumber !== undefined && { blockNumber }),
    });
  }

  /** Marks the backup failed with the reason, `backup.failed` in the same write's outbox. */
  async #fail(network: Network, running: Versioned<Backup>, error: unknown): Promise<Backup> {
    const reason = (error as Error).message;
    const { progress: _stopped, ...backup } = running;
    const failed = { ...backup, state: 'failed' as const, finishedAt: this.deps.clock().toISOString(), error: reason };
    const alert = { alert: 'backup.failed' as const, target: running.id, details: { backupId: running.id, reason } };
    return raiseAlerts(this.#alertDeps(), network.id, [alert], (events) =>
      this.deps.stores.backups.updateBackup(running, failed, events),
    );
  }

  /**
   * One copy per member organisation that asked for the network's backups and has no copy record of this backup
   * yet; then the backup's `copiesPending` is cleared.
   */
  async #copy(network: Network, backup: Versioned<Backup>): Promise<Versioned<Backup>> {
    // An EC2 backup's snapshot cannot go to a bucket; the archive made beside it can.
    const artifact = backup.archive ?? backup.artifact;
    if (artifact) {
      const orgs = new Set((await this.deps.stores.nodes.listByNetwork(network.id)).map((n) => n.orgId));
      const recorded = new Set((await this.deps.stores.backups.copiesOf(network.id, backup.id)).map((c) => c.orgId));
      for (const orgId of orgs) {
        if (!recorded.has(orgId)) await this.#copyFor(network, backup, artifact, orgId);
      }
    }
    if (!backup.copiesPending) return backup;
    const { copiesPending: _made, ...copied } = backup;
    return this.deps.stores.backups.updateBackup(backup, copied);
  }

  /** The copy for one organisation, if it asked for one: made, or recorded as failed with `backup.failed`. */
  async #copyFor(network: Network, backup: Backup, artifact: BackupArtifact, orgId: string): Promise<void> {
    const { copier } = this.deps;
    const request = await this.deps.stores.backups.copyRequest(orgId, network.id);
    if (!request) return;
    const key = `carechain/${network.id}/${backup.id}.tar.gz`;
    const at = this.deps.clock().toISOString();
    const copy = { networkId: network.id, backupId: backup.id, orgId, bucket: request.bucket, at };
    try {
      // A copy that cannot be made is recorded with the reason, beside the backup's other copies.
      if (!copier) throw new InvalidStateError(`copies of ${artifact.kind} backups to a bucket are not made here`);
      const location = await copier.copy(artifact, { bucket: request.bucket, key });
      await this.deps.stores.backups.recordCopy({ ...copy, location });
    } catch (error) {
      this.deps.logger.warn('backup copy failed', { networkId: network.id, backupId: backup.id, orgId, error });
      // The backup itself stands; the alert names whose copy failed, not the bucket (the copy record has it),
      // and is written with the copy's record.
      const alert = {
        alert: 'backup.failed' as const,
        target: backup.id,
        details: {
          backupId: backup.id,
          copyFor: orgId,
          reason: `the copy to the bucket organisation ${orgId} named failed`,
        },
      };
      await raiseAlerts(this.#alertDeps(), network.id, [alert], (events) =>
        this.deps.stores.backups.recordCopy({ ...copy, error: (error as Error).message }, events),
      );
    }
  }

  async #expire(network: Network): Promise<number> {
    const { backups } = this.deps.stores;
    const expired = expiredBackups(await backups.list(network.id), this.deps.clock().getTime());
    for (const backup of expired) {
      if (backup.artifact) {
        // The source node may be gone: the artifact's kind says which runtime made it.
        const runtime = backup.artifact.kind === 'archive' ? 'besu' : 'ec2';
        await this.deps.fleet.backupProvider(runtime)?.deleteBackup?.(backup.artifact);
      }
      await backups.deleteBackup(backup);
    }
    return expired.length;
  }

  async #audit(network: Network, action: string, details: Record<string, unknown>): Promise<void> {
    await auditFleetJob(this.deps, 'backup-runner', action, network.id, details);
  }

  #alertDeps() {
    return { stores: this.deps.stores, clock: this.deps.clock, logger: this.deps.logger };
  }
}
