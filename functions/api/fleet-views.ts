/**
 * How fleet operations' records are shown (shared/schemas/fleet.schemas.ts). Members see networks' health and
 * incidents too, without which node or operator stands behind a validator or an action: those are operators' only.
 */
import type { Backup, BackupPolicy } from '../../shared/domain/backup.ts';
import type { NetworkHealthSample } from '../../shared/domain/network-health.ts';
import type { NetworkIncident } from '../../shared/domain/network-incident.ts';
import type { UpgradePlan } from '../../shared/domain/rolling-upgrade.ts';
import type { BackupCopy } from '../../shared/store/backups.repository.ts';

export function incidentView(incident: NetworkIncident, now: number, operator: boolean) {
  const end = incident.resolvedAt ? Date.parse(incident.resolvedAt) : now;
  return {
    id: incident.id,
    networkId: incident.networkId,
    kind: incident.kind,
    openedAt: incident.openedAt,
    resolvedAt: incident.resolvedAt ?? null,
    durationSeconds: Math.max(0, Math.round((end - Date.parse(incident.openedAt)) / 1000)),
    validatorsDown: [...incident.validatorsDown],
    recovery: {
      status: incident.recovery.status,
      scheduledFor: incident.recovery.scheduledFor ?? null,
      attempts: incident.recovery.attempts,
    },
    timeline: incident.timeline.map((event) => ({
      at: event.at,
      event: event.event,
      detail: event.detail,
      actor: operator || event.actor.type === 'system' ? event.actor.id : 'operator',
      validators: [...(event.validators ?? [])],
    })),
  };
}

export function networkHealthView(
  networkId: string,
  sample: NetworkHealthSample | undefined,
  open: NetworkIncident | undefined,
  now: number,
  operator: boolean,
) {
  return {
    networkId,
    state: sample?.state ?? ('unknown' as const),
    reason: sample?.reason ?? 'The network has not been looked at yet.',
    at: sample?.at ?? null,
    consensusApplies: sample?.consensusApplies ?? false,
    headBlock: sample?.headBlock ?? null,
    headAgeSeconds: sample?.headAgeSeconds ?? null,
    headRound: sample?.headRound ?? null,
    quorum: sample?.quorum ?? 0,
    liveValidators: sample?.liveValidators ?? 0,
    validators: (sample?.validators ?? []).map((v) => ({
      address: v.address,
      source: v.source,
      live: v.live,
      detail: v.detail ?? null,
      proposedBlockCount: v.proposedBlockCount ?? null,
      lastProposedBlock: v.lastProposedBlock ?? null,
      clientVersion: v.clientVersion ?? null,
      nodeId: operator ? (v.nodeId ?? null) : null,
    })),
    nodesAnswering: sample?.nodesAnswering ?? 0,
    nodesAsked: sample?.nodesAsked ?? 0,
    openIncident: open ? incidentView(open, now, operator) : null,
  };
}

export function historyItem(sample: NetworkHealthSample) {
  return {
    at: sample.at,
    state: sample.state,
    headBlock: sample.headBlock ?? null,
    headAgeSeconds: sample.headAgeSeconds ?? null,
    secondsPerBlock: sample.secondsPerBlock ?? null,
    headRound: sample.headRound ?? null,
    liveValidators: sample.liveValidators,
    validators: sample.validators.length,
  };
}

export function upgradePlanView(plan: UpgradePlan) {
  return {
    id: plan.id,
    networkId: plan.networkId,
    from: { version: plan.from.version, sha256: plan.from.sha256 ?? null },
    to: { version: plan.to.version, sha256: plan.to.sha256 },
    flags: [...plan.flags],
    state: plan.state,
    direction: plan.direction,
    pausedReason: plan.pausedReason ?? null,
    createdAt: plan.createdAt,
    updatedAt: plan.updatedAt,
    steps: plan.steps.map((step) => ({
      nodeId: step.nodeId,
      name: step.name,
      kind: step.kind,
      address: step.address ?? null,
      version: step.version,
      state: step.state,
      attempts: step.attempts,
      startedAt: step.startedAt ?? null,
      finishedAt: step.finishedAt ?? null,
      error: step.error ?? null,
    })),
    events: plan.events.map((event) => ({ ...event })),
  };
}

export function backupPolicyView(networkId: string, policy: BackupPolicy | undefined) {
  return {
    networkId,
    enabled: policy?.enabled ?? false,
    intervalHours: policy?.intervalHours ?? 24,
    retentionDays: policy?.retentionDays ?? 14,
    sourceNodeId: policy?.sourceNodeId ?? null,
    updatedAt: policy?.updatedAt ?? null,
  };
}

/** A backup as operators see it: where its artifact lives stays inside the platform. */
export function backupView(backup: Backup & { copies?: readonly BackupCopy[] }) {
  return {
    id: backup.id,
    networkId: backup.networkId,
    sourceNodeId: backup.sourceNodeId,
    state: backup.state,
    trigger: backup.trigger,
    startedAt: backup.startedAt,
    finishedAt: backup.finishedAt ?? null,
    expiresAt: backup.expiresAt,
    blockNumber: backup.blockNumber ?? null,
    artifact: backup.artifact ? { kind: backup.artifact.kind, sizeBytes: backup.artifact.sizeBytes ?? null } : null,
    progress: backup.progress
      ? { phase: backup.progress.phase, since: backup.progress.since, deadline: backup.progress.deadline }
      : null,
    error: backup.error ?? null,
    copies: (backup.copies ?? []).map((copy) => ({
      orgId: copy.orgId,
      bucket: copy.bucket,
      at: copy.at,
      error: copy.error ?? null,
    })),
  };
}
