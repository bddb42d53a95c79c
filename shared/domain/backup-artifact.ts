/**
 * What a backup of a node's chain data is, wherever it was made: a tarball of the data directory (local Besu) or an
 * EBS snapshot of the data volume (EC2). A node record that was restored names the one it started from.
 */
export const BACKUP_ARTIFACT_KINDS = ['archive', 'ebs-snapshot'] as const;
export type BackupArtifactKind = (typeof BACKUP_ARTIFACT_KINDS)[number];

export interface BackupArtifact {
  readonly kind: BackupArtifactKind;
  /** Archive path or snapshot id: what a restore reads. */
  readonly ref: string;
  readonly sizeBytes?: number;
}
