/**
 * Network backups (docs/architecture.md, "Fleet operations"), pure: a network's backup policy, when a backup is
 * due, which node it is taken from (one that is not a validator, so taking it down never touches consensus), and
 * which backups have outlived their retention. A backup holds a node's chain data without its node key: a node
 * restored from it is a new node, with a key of its own, that syncs the blocks after the backup from its peers.
 */
import { ValidationError } from '../errors.ts';
import type { BackupArtifact } from './backup-artifact.ts';
import { isPlatformRun, isServing, type NodeRecord } from './node.ts';

export { BACKUP_ARTIFACT_KINDS, type BackupArtifact, type BackupArtifactKind } from './backup-artifact.ts';

export const BACKUP_STATES = ['requested', 'running', 'completed', 'failed'] as const;
export type BackupState = (typeof BACKUP_STATES)[number];

/**
 * Where a running backup stands when it takes more than one pass (EC2): `stopping` until the instance reports
 * stopped (then it is snapshotted and started again), `archiving` until the instance's archive is in the backup
 * bucket. Each pass of the runner advances a backup by at most one short step.
 */
export const BACKUP_PHASES = ['stopping', 'archiving'] as const;
export type BackupPhase = (typeof BACKUP_PHASES)[number];

/** What a running backup's next step resumes from, kept on the backup's record between passes. */
export interface BackupProgress {
  readonly phase: BackupPhase;
  /** When the phase began. */
  readonly since: string;
  /** When the phase gives up: a stop not done fails the backup, an archive not there leaves the snapshot alone. */
  readonly deadline: string;
  /** What the backup made so far (the snapshot, once taken). */
  readonly artifact?: BackupArtifact;
  /** What the phase waits for (the archive the instance uploads). */
  readonly awaited?: BackupArtifact;
}

/** How long after its phase's deadline a step that keeps failing is retried before the backup fails. */
export const BACKUP_STEP_RETRY_GRACE_MS = 10 * 60_000;

/**
 * Whether a running backup has the node stopped on purpose (phase `stopping`): the backup starts it again itself
 * after the snapshot, or when it fails, so nothing else should start it meanwhile.
 */
export function backupHoldsNodeStopped(backups: readonly Backup[], nodeId: string): boolean {
  return backups.some((b) => b.state === 'running' && b.sourceNodeId === nodeId && b.progress?.phase === 'stopping');
}

/** Whether a running backup of the node may have it down (any phase: on EC2 Besu starts after the archive step). */
export function backupTakesNodeDown(backups: readonly Backup[], nodeId: string): boolean {
  return backups.some((b) => b.state === 'running' && b.sourceNodeId === nodeId);
}

/** Whether a step that failed may be retried by the next pass rather than failing the backup. */
export function backupStepRetryable(progress: BackupProgress | undefined, now: number): boolean {
  return progress !== undefined && now < Date.parse(progress.deadline) + BACKUP_STEP_RETRY_GRACE_MS;
}

export interface BackupPolicy {
  readonly networkId: string;
  readonly enabled: boolean;
  /** Hours between scheduled backups. @default 24 */
  readonly intervalHours: number;
  /** Days a backup is kept. @default 14 */
  readonly retentionDays: number;
  /** The node backed up; absent: the first serving member node the platform runs. */
  readonly sourceNodeId?: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

export interface Backup {
  readonly id: string;
  readonly networkId: string;
  readonly sourceNodeId: string;
  readonly sourceOrgId: string;
  readonly state: BackupState;
  readonly startedAt: string;
  readonly finishedAt?: string;
  /** The node's head when it was stopped for the backup. */
  readonly blockNumber?: number;
  readonly artifact?: BackupArtifact;
  /** An archive made beside a snapshot artifact (EC2): the copy members' buckets receive. */
  readonly archive?: BackupArtifact;
  readonly expiresAt: string;
  readonly error?: string;
  /** While running over several passes: the phase and what the next step resumes from. */
  readonly progress?: BackupProgress;
  /**
   * Set in the write that completes the backup, cleared once every member organisation that asked has a copy
   * record (made or failed): a pass that stopped in between leaves it set, and the next pass makes the copies left.
   */
  readonly copiesPending?: boolean;
  readonly trigger: 'schedule' | 'operator';
}

export const DEFAULT_BACKUP_INTERVAL_HOURS = 24;
export const DEFAULT_BACKUP_RETENTION_DAYS = 14;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export function assertPolicyLimits(policy: Pick<BackupPolicy, 'intervalHours' | 'retentionDays'>): void {
  if (policy.retentionDays * 24 < policy.intervalHours) {
    throw new ValidationError('Backups would expire before the next one is taken', [
      { path: 'body.retentionDays', message: 'Keep backups at least one interval' },
    ]);
  }
}

/** Whether a scheduled backup is due: enabled, and the last one (successful or not) is an interval old. */
export function backupDue(policy: BackupPolicy | undefined, last: Backup | undefined, now: number): boolean {
  if (!policy?.enabled) return false;
  if (!last) return true;
  if (last.state === 'running' || last.state === 'requested') return false;
  return now - Date.parse(last.startedAt) >= policy.intervalHours * HOUR_MS;
}

export function backupExpiry(startedAt: string, retentionDays: number): string {
  return new Date(Date.parse(startedAt) + retentionDays * DAY_MS).toISOString();
}

/** Backups past their retention, oldest first; the newest completed one is always kept. */
export function expiredBackups(backups: readonly Backup[], now: number): Backup[] {
  const completed = backups
    .filter((b) => b.state === 'completed')
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const newest = completed[0]?.id;
  return backups
    .filter(
      (b) => (b.state === 'completed' || b.state === 'failed') && b.id !== newest && Date.parse(b.expiresAt) <= now,
    )
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/**
 * The node a backup is taken from: the policy's node when it qualifies, otherwise the first serving member node
 * the platform runs. A validator never qualifies: stopping it for a backup would take from the BFT margin.
 */
export function chooseBackupSource(
  nodes: readonly NodeRecord[],
  preferred: string | undefined,
): { node: NodeRecord } | { reason: string } {
  const qualifies = (n: NodeRecord) =>
    n.role === 'member' && isPlatformRun(n) && isServing(n.state) && n.desiredState === 'running';
  if (preferred) {
    const node = nodes.find((n) => n.id === preferred);
    if (!node) return { reason: `Node ${preferred} is not a node of this network.` };
    if (node.role !== 'member') return { reason: `${node.name} is a validator: backups are taken from member nodes.` };
    if (!qualifies(node)) return { reason: `${node.name} is not a serving node the platform runs.` };
    return { node };
  }
  const node = [...nodes].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).find(qualifies);
  return node
    ? { node }
    : { reason: 'The network has no serving member node the platform runs to take a backup from.' };
}
