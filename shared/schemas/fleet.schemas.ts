/**
 * Fleet operations as the API shows and accepts them: network health and its history, incidents with their
 * timelines, rolling upgrade plans, backups and members' backup copies. Word lists come from the domain.
 */
import { z } from '@hono/zod-openapi';
import { BACKUP_ARTIFACT_KINDS, BACKUP_PHASES, BACKUP_STATES } from '../domain/backup.ts';
import { BESU_VERSION_PATTERN, SHA256_PATTERN } from '../domain/besu-release.ts';
import { NETWORK_STATES, VALIDATOR_SOURCES } from '../domain/network-health.ts';
import { INCIDENT_EVENTS, INCIDENT_KINDS, RECOVERY_STATUSES } from '../domain/network-incident.ts';
import { UPGRADE_NODE_KINDS, UPGRADE_PLAN_STATES, UPGRADE_STEP_STATES } from '../domain/rolling-upgrade.ts';
import { idParam, NetworkId, Timestamp } from './common.schemas.ts';

export const IncidentId = idParam('incident', 'inc_a2b3c4d5e6f7g2h3i4j5');
export const UpgradePlanId = idParam('upgradePlan', 'upg_a2b3c4d5e6f7g2h3i4j5');
export const BackupId = idParam('backup', 'bak_a2b3c4d5e6f7g2h3i4j5');

export const ValidatorHealthView = z
  .object({
    address: z.string(),
    source: z.enum(VALIDATOR_SOURCES),
    live: z.boolean(),
    detail: z.string().nullable(),
    proposedBlockCount: z.number().int().nullable().openapi({ description: 'qbft_getSignerMetrics, last 100 blocks' }),
    lastProposedBlock: z.number().int().nullable(),
    clientVersion: z.string().nullable().openapi({ description: 'web3_clientVersion of a node the platform runs' }),
    nodeId: z.string().nullable().openapi({ description: 'Operators only: the node or platform process behind it' }),
  })
  .openapi('ValidatorHealth');

export const IncidentView = z
  .object({
    id: z.string(),
    networkId: z.string(),
    kind: z.enum(INCIDENT_KINDS),
    openedAt: Timestamp,
    resolvedAt: Timestamp.nullable(),
    durationSeconds: z.number().openapi({ description: 'Until it was resolved, or until now' }),
    validatorsDown: z.array(z.string()),
    recovery: z.object({
      status: z.enum(RECOVERY_STATUSES),
      scheduledFor: Timestamp.nullable(),
      attempts: z.number().int(),
    }),
    timeline: z.array(
      z.object({
        at: Timestamp,
        event: z.enum(INCIDENT_EVENTS),
        detail: z.string(),
        actor: z.string().openapi({ description: '`system`, or the operator’s user id (operators only)' }),
        validators: z.array(z.string()),
      }),
    ),
  })
  .openapi('NetworkIncident');

export const NetworkHealthView = z
  .object({
    networkId: z.string(),
    state: z.enum(NETWORK_STATES),
    reason: z.string(),
    at: Timestamp.nullable().openapi({
      description: 'When the network was last looked at; null before the first look',
    }),
    consensusApplies: z.boolean().openapi({ description: 'False on the anvil runtime: one process seals every block' }),
    headBlock: z.number().int().nullable(),
    headAgeSeconds: z.number().nullable(),
    headRound: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'QBFT round of the head block (0: no round change)' }),
    quorum: z.number().int(),
    liveValidators: z.number().int(),
    validators: z.array(ValidatorHealthView),
    nodesAnswering: z.number().int(),
    nodesAsked: z.number().int(),
    openIncident: IncidentView.nullable(),
  })
  .openapi('NetworkHealth');

export const NetworkHealthQuery = z.object({
  hours: z.coerce.number().int().min(1).max(720).optional().openapi({ description: 'How far back (default 6)' }),
});

export const NetworkHealthHistory = z
  .object({
    items: z.array(
      z.object({
        at: Timestamp,
        state: z.enum(NETWORK_STATES),
        headBlock: z.number().int().nullable(),
        headAgeSeconds: z.number().nullable(),
        secondsPerBlock: z.number().nullable(),
        headRound: z.number().int().nullable(),
        liveValidators: z.number().int(),
        validators: z.number().int(),
      }),
    ),
    incidents: z.array(IncidentView),
  })
  .openapi('NetworkHealthHistory');

export const RecoveryRequest = z
  .strictObject({
    scope: z.enum(['all-validators', 'down-validators']).openapi({
      description:
        '`all-validators`: restart every validator the platform runs together (a stall; refused below quorum). ' +
        '`down-validators`: restart only those found down (what a network below quorum needs first).',
    }),
  })
  .openapi('RecoveryRequest');

export const RecoveryResult = z
  .object({
    restarted: z.array(z.string()),
    failures: z.array(z.object({ validator: z.string(), error: z.string() })),
  })
  .openapi('RecoveryResult');

export const BesuReleaseInput = z
  .strictObject({
    version: z.string().regex(BESU_VERSION_PATTERN, 'A Besu version, like 26.6.0').openapi({ example: '26.6.0' }),
    sha256: z
      .string()
      .regex(SHA256_PATTERN, 'The SHA-256 of besu-<version>.tar.gz: 64 lower-case hex digits')
      .openapi({ example: 'a'.repeat(64) }),
  })
  .openapi('BesuRelease');

export const UpgradePlanView = z
  .object({
    id: z.string(),
    networkId: z.string(),
    from: z.object({ version: z.string(), sha256: z.string().nullable() }),
    to: z.object({ version: z.string(), sha256: z.string() }),
    flags: z.array(z.string()),
    state: z.enum(UPGRADE_PLAN_STATES),
    direction: z.enum(['upgrade', 'rollback']),
    pausedReason: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    steps: z.array(
      z.object({
        nodeId: z.string(),
        name: z.string(),
        kind: z.enum(UPGRADE_NODE_KINDS),
        address: z.string().nullable(),
        version: z.string().openapi({ description: 'What the node ran when the plan was made' }),
        state: z.enum(UPGRADE_STEP_STATES),
        attempts: z.number().int(),
        startedAt: Timestamp.nullable(),
        finishedAt: Timestamp.nullable(),
        error: z.string().nullable(),
      }),
    ),
    events: z.array(z.object({ at: Timestamp, detail: z.string() })),
  })
  .openapi('UpgradePlan');

export const UpgradePlanList = z.object({ items: z.array(UpgradePlanView) }).openapi('UpgradePlans');

export const BackupPolicyInput = z
  .strictObject({
    enabled: z.boolean(),
    intervalHours: z.number().int().min(1).max(720).default(24),
    retentionDays: z.number().int().min(1).max(365).default(14),
    sourceNodeId: idParam('node', 'node_a2b3c4d5e6f7g2h3i4j5')
      .optional()
      .openapi({ description: 'A member node the platform runs; default: the first serving one' }),
  })
  .openapi('BackupPolicyInput');

export const BackupPolicyView = z
  .object({
    networkId: z.string(),
    enabled: z.boolean(),
    intervalHours: z.number().int(),
    retentionDays: z.number().int(),
    sourceNodeId: z.string().nullable(),
    updatedAt: Timestamp.nullable(),
  })
  .openapi('BackupPolicy');

export const BackupView = z
  .object({
    id: z.string(),
    networkId: z.string(),
    sourceNodeId: z.string(),
    state: z.enum(BACKUP_STATES),
    trigger: z.enum(['schedule', 'operator']),
    startedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
    expiresAt: Timestamp,
    blockNumber: z.number().int().nullable(),
    artifact: z.object({ kind: z.enum(BACKUP_ARTIFACT_KINDS), sizeBytes: z.number().int().nullable() }).nullable(),
    progress: z
      .object({
        phase: z.enum(BACKUP_PHASES),
        since: Timestamp,
        deadline: Timestamp.openapi({
          description: 'stopping: the backup fails (the node is started again); archiving: it stands on its snapshot',
        }),
      })
      .nullable()
      .openapi({
        description: 'While a running backup spans several passes (EC2): its phase and the phase’s deadline',
      }),
    error: z.string().nullable(),
    copies: z.array(z.object({ orgId: z.string(), bucket: z.string(), at: Timestamp, error: z.string().nullable() })),
  })
  .openapi('Backup');

export const BackupList = z.object({ items: z.array(BackupView), policy: BackupPolicyView }).openapi('Backups');

export const RestoredNode = z
  .object({ nodeId: z.string(), orgId: z.string(), state: z.string() })
  .openapi('RestoredNode');

/** S3's rules for bucket names (what the copy is sent to in AWS; a folder of that name locally). */
const BucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'An S3 bucket name: 3–63 lower-case letters, digits, dots and dashes')
  .refine((name) => !/\.\.|^\d+\.\d+\.\d+\.\d+$/.test(name), 'Not a valid S3 bucket name')
  .openapi({ example: 'region-hospital-chain-backups' });

export const BackupCopyInput = z.strictObject({ networkId: NetworkId, bucket: BucketName }).openapi('BackupCopyInput');

export const BackupCopyRequestView = z
  .object({ networkId: z.string(), bucket: z.string(), requestedAt: Timestamp })
  .openapi('BackupCopyRequest');

export const BackupCopyRequestList = z.object({ items: z.array(BackupCopyRequestView) }).openapi('BackupCopyRequests');
