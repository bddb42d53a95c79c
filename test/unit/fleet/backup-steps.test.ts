/**
 * The pure rules a backup that spans fleet passes follows: a step that throws is retried by the next pass while its
 * phase's deadline and ten minutes' grace allow (a first step that throws fails the backup at once, as a local
 * backup's failure does), and a backup in `stopping` holds its source node stopped, no other node and no other phase.
 */
import { describe, expect, it } from 'vitest';
import {
  BACKUP_STEP_RETRY_GRACE_MS,
  type Backup,
  backupHoldsNodeStopped,
  backupStepRetryable,
} from '../../../shared/domain/backup.ts';
import { aBackup } from '../providers/node-fixtures.ts';

const DEADLINE = '2026-03-02T03:05:00.000Z';
const stopping = { phase: 'stopping' as const, since: '2026-03-02T03:00:00.000Z', deadline: DEADLINE };
const source = {
  id: 'node_bbbbbbbbbbbbbbbbbbbb',
  orgId: 'org_cccccccccccccccccccc',
  networkId: 'net_aaaaaaaaaaaaaaaaaaaa',
};

describe('backup steps over several passes', () => {
  it('retries a failed step until its phase’s deadline and the grace after it have passed', () => {
    expect(backupStepRetryable(undefined, Date.parse(DEADLINE) - 1)).toBe(false);
    expect(backupStepRetryable(stopping, Date.parse(DEADLINE) + BACKUP_STEP_RETRY_GRACE_MS - 1)).toBe(true);
    expect(backupStepRetryable(stopping, Date.parse(DEADLINE) + BACKUP_STEP_RETRY_GRACE_MS)).toBe(false);
  });

  it('holds the source node stopped only while a running backup of it is stopping', () => {
    const held: Backup = aBackup(source, { state: 'running', progress: stopping });
    expect(backupHoldsNodeStopped([held], source.id)).toBe(true);
    expect(backupHoldsNodeStopped([held], 'node_dddddddddddddddddddd')).toBe(false);
    const archiving = { ...stopping, phase: 'archiving' as const };
    expect(backupHoldsNodeStopped([{ ...held, progress: archiving }], source.id)).toBe(false);
    expect(backupHoldsNodeStopped([{ ...held, state: 'failed' }], source.id)).toBe(false);
  });
});
