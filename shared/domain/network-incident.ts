/**
 * Network incidents and stall recovery (docs/architecture.md, "Fleet operations"), pure. An incident opens when a
 * network stops sealing blocks (`stalled` or `below-quorum`) and closes at the first sample that sees blocks again;
 * its timeline says what was seen and done, and SLA reports show its span.
 *
 * What is done follows Besu's advice for a stalled QBFT network: restart all validators together so their round
 * timers start afresh (besu-docs#611). That only helps while a quorum of validators is live; below quorum a blind
 * restart changes nothing, so the incident names the validators that are down and waits for them (operators can
 * restart just those). A stall with a quorum live schedules the coordinated restart after a short delay, in which an
 * operator may cancel it; an operator may also restart at once. A restart that did not help is tried again once,
 * then left to operators.
 */
import { InvalidStateError } from '../errors.ts';
import { isOutage, type NetworkHealthSample } from './network-health.ts';

export const INCIDENT_KINDS = ['stalled', 'below-quorum'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export const RECOVERY_STATUSES = [
  'none',
  'waiting-for-validators',
  'scheduled',
  'cancelled',
  'restarting',
  'restarted',
  'gave-up',
] as const;
export type RecoveryStatus = (typeof RECOVERY_STATUSES)[number];

export const INCIDENT_EVENTS = [
  'detected',
  'validators-down',
  'quorum-back',
  'restart-scheduled',
  'restart-cancelled',
  'restart-requested',
  'restart-finished',
  'restart-failed',
  'gave-up',
  'recovered',
] as const;
export type IncidentEventKind = (typeof INCIDENT_EVENTS)[number];

export interface IncidentActor {
  readonly type: 'system' | 'user';
  readonly id: string;
}

export interface IncidentEvent {
  readonly at: string;
  readonly event: IncidentEventKind;
  readonly detail: string;
  readonly actor: IncidentActor;
  /** The validators the event is about (down ones, restarted ones). */
  readonly validators?: readonly string[];
}

export interface NetworkIncident {
  readonly id: string;
  readonly networkId: string;
  readonly openedAt: string;
  readonly resolvedAt?: string;
  /** The worst the network was in during the incident: `below-quorum` outranks `stalled`. */
  readonly kind: IncidentKind;
  /** The validators down at the latest sample. */
  readonly validatorsDown: readonly string[];
  readonly headBlock?: number;
  readonly recovery: {
    readonly status: RecoveryStatus;
    readonly scheduledFor?: string;
    /** Coordinated restarts tried during this incident. */
    readonly attempts: number;
    readonly lastAttemptAt?: string;
  };
  readonly timeline: readonly IncidentEvent[];
}

export interface StallRecoveryPolicy {
  /** Time between a stall being seen and the automatic restart, in which operators may cancel it. @default 60_000 */
  readonly restartDelayMs: number;
  /** Time a restart is given to bring blocks back before the next attempt. @default 120_000 */
  readonly restartGraceMs: number;
  /** Coordinated restarts before the incident is left to operators. @default 2 */
  readonly maxRestarts: number;
}

export const DEFAULT_STALL_RECOVERY_POLICY: StallRecoveryPolicy = {
  restartDelayMs: 60_000,
  restartGraceMs: 120_000,
  maxRestarts: 2,
};

export const MONITOR: IncidentActor = { type: 'system', id: 'network-health' };

/** What the monitor does after a sample: nothing, record the incident as given, or record it and restart. */
export type IncidentStep =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'record';
      readonly incident: NetworkIncident;
      readonly opened: boolean;
      readonly resolved: boolean;
    }
  | { readonly kind: 'restart'; readonly incident: NetworkIncident; readonly opened: boolean };

export function nextIncidentStep(
  sample: NetworkHealthSample,
  open: NetworkIncident | undefined,
  newId: () => string,
  policy: StallRecoveryPolicy = DEFAULT_STALL_RECOVERY_POLICY,
): IncidentStep {
  if (!isOutage(sample.state)) {
    // `unknown` says nothing either way, and `slow` on the head the incident opened at is no new block: an
    // incident stays open until blocks are seen.
    if (!open || sample.state === 'unknown' || !advancedPast(sample, open)) return { kind: 'none' };
    const resolved: NetworkIncident = {
      ...open,
      resolvedAt: sample.at,
      validatorsDown: sample.validatorsDown,
      ...(sample.headBlock !== undefined && { headBlock: sample.headBlock }),
      recovery: { ...open.recovery, ...(open.recovery.status === 'scheduled' && { status: 'none' as const }) },
      timeline: [...open.timeline, event(sample.at, 'recovered', `Blocks again: the head is #${sample.headBlock}.`)],
    };
    return { kind: 'record', incident: resolved, opened: false, resolved: true };
  }

  const opened = open === undefined;
  let incident = open ?? openIncident(sample, newId());
  const before = incident;
  if (sample.state === 'below-quorum') {
    incident = belowQuorum(incident, sample, opened);
  } else {
    incident = stalled(incident, sample, policy);
    if (incident.recovery.status === 'restarting' && before.recovery.status !== 'restarting') {
      return { kind: 'restart', incident, opened };
    }
  }
  return opened || incident !== before ? { kind: 'record', incident, opened, resolved: false } : { kind: 'none' };
}

function openIncident(sample: NetworkHealthSample, id: string): NetworkIncident {
  return {
    id,
    networkId: sample.networkId,
    openedAt: sample.at,
    kind: sample.state === 'below-quorum' ? 'below-quorum' : 'stalled',
    validatorsDown: [],
    ...(sample.headBlock !== undefined && { headBlock: sample.headBlock }),
    recovery: { status: 'none', attempts: 0 },
    timeline: [event(sample.at, 'detected', sample.reason)],
  };
}

function belowQuorum(incident: NetworkIncident, sample: NetworkHealthSample, opened: boolean): NetworkIncident {
  const down = sample.validatorsDown;
  const changed = !sameSet(down, incident.validatorsDown) || incident.recovery.status !== 'waiting-for-validators';
  if (!changed) return incident;
  const withdrawn = incident.recovery.status === 'scheduled' ? ' The scheduled restart is withdrawn.' : '';
  const detail =
    `${down.length} of ${sample.validators.length} validators are down (quorum ${sample.quorum}): ` +
    `${down.join(', ')}. No restart of the others: recover these first.${withdrawn}`;
  return {
    ...incident,
    kind: 'below-quorum',
    validatorsDown: down,
    recovery: { ...incident.recovery, status: 'waiting-for-validators', scheduledFor: undefined },
    timeline: opened
      ? [...incident.timeline.slice(0, -1), event(sample.at, 'validators-down', detail, down)]
      : [...incident.timeline, event(sample.at, 'validators-down', detail, down)],
  };
}

function stalled(incident: NetworkIncident, sample: NetworkHealthSample, policy: StallRecoveryPolicy): NetworkIncident {
  const now = Date.parse(sample.at);
  const { recovery } = incident;
  let next = { ...incident, validatorsDown: sample.validatorsDown };
  const timeline = [...incident.timeline];
  if (recovery.status === 'waiting-for-validators') {
    timeline.push(
      event(
        sample.at,
        'quorum-back',
        `${sample.liveValidators} of ${sample.validators.length} validators are live again, yet no block comes: ` +
          'their rounds must be reset.',
      ),
    );
  }
  if (recovery.status === 'none' || recovery.status === 'waiting-for-validators') {
    const scheduledFor = new Date(now + policy.restartDelayMs).toISOString();
    timeline.push(
      event(
        sample.at,
        'restart-scheduled',
        `The network’s managed validators will be restarted together at ${scheduledFor} unless an operator ` +
          'cancels it.',
      ),
    );
    next = { ...next, recovery: { ...recovery, status: 'scheduled', scheduledFor } };
    if (policy.restartDelayMs > 0) return { ...next, timeline };
  }
  const current = next.recovery;
  if (current.status === 'scheduled' && current.scheduledFor !== undefined && now >= Date.parse(current.scheduledFor)) {
    return restarting({ ...next, timeline }, sample.at, MONITOR, 'Restarting the managed validators together.');
  }
  // A restart whose outcome was never recorded (the monitor stopped half-way) counts as done after its grace.
  if ((current.status === 'restarted' || current.status === 'restarting') && current.lastAttemptAt !== undefined) {
    if (now - Date.parse(current.lastAttemptAt) < policy.restartGraceMs) return incident;
    if (current.attempts >= policy.maxRestarts) {
      timeline.push(
        event(
          sample.at,
          'gave-up',
          `Still no block after ${current.attempts} coordinated restarts: left to CareChain operators.`,
        ),
      );
      return { ...next, recovery: { ...current, status: 'gave-up' }, timeline };
    }
    return restarting({ ...next, timeline }, sample.at, MONITOR, 'Still stalled after the restart: trying again.');
  }
  return timeline.length === incident.timeline.length && sameSet(next.validatorsDown, incident.validatorsDown)
    ? incident
    : { ...next, timeline };
}

function restarting(incident: NetworkIncident, at: string, actor: IncidentActor, detail: string): NetworkIncident {
  return {
    ...incident,
    recovery: {
      status: 'restarting',
      attempts: incident.recovery.attempts + 1,
      lastAttemptAt: at,
    },
    timeline: [...incident.timeline, event(at, 'restart-requested', detail, undefined, actor)],
  };
}

/** An operator's coordinated restart: refused below quorum, where it cannot help. */
export function operatorRestart(
  incident: NetworkIncident | undefined,
  sample: NetworkHealthSample | undefined,
  actor: IncidentActor,
  at: string,
): NetworkIncident {
  if (!sample || !incident || incident.resolvedAt) {
    throw new InvalidStateError('The network has no open incident: its validators are not restarted blindly.');
  }
  if (sample.state === 'below-quorum') {
    throw new InvalidStateError(
      `Only ${sample.liveValidators} of ${sample.validators.length} validators are live (quorum ${sample.quorum}): ` +
        `restarting the others cannot help. Recover ${sample.validatorsDown.join(', ')} first ` +
        '(restart the down validators).',
    );
  }
  if (incident.recovery.status === 'restarting') {
    throw new InvalidStateError('A coordinated restart is already under way.');
  }
  return restarting(incident, at, actor, 'An operator restarts the managed validators together.');
}

/** An operator withdraws the automatic restart that is scheduled. */
export function cancelScheduledRestart(incident: NetworkIncident, actor: IncidentActor, at: string): NetworkIncident {
  if (incident.resolvedAt || incident.recovery.status !== 'scheduled') {
    throw new InvalidStateError('No restart is scheduled for this incident.');
  }
  return {
    ...incident,
    recovery: { ...incident.recovery, status: 'cancelled', scheduledFor: undefined },
    timeline: [
      ...incident.timeline,
      event(at, 'restart-cancelled', 'An operator cancelled the automatic restart.', undefined, actor),
    ],
  };
}

/** What came of a coordinated restart. */
export function restartOutcome(
  incident: NetworkIncident,
  at: string,
  restarted: readonly string[],
  failures: readonly { readonly validator: string; readonly error: string }[],
): NetworkIncident {
  const failed = restarted.length === 0;
  const detail = failed
    ? `No validator could be restarted: ${failures.map((f) => `${f.validator} (${f.error})`).join('; ') || 'none managed'}.`
    : `Restarted ${restarted.length} validators together${
        failures.length ? `; not restarted: ${failures.map((f) => `${f.validator} (${f.error})`).join('; ')}` : ''
      }.`;
  return {
    ...incident,
    recovery: { ...incident.recovery, status: failed ? 'gave-up' : 'restarted' },
    timeline: [...incident.timeline, event(at, failed ? 'restart-failed' : 'restart-finished', detail, restarted)],
  };
}

function event(
  at: string,
  kind: IncidentEventKind,
  detail: string,
  validators?: readonly string[],
  actor: IncidentActor = MONITOR,
): IncidentEvent {
  return { at, event: kind, detail, actor, ...(validators && { validators: [...validators] }) };
}

function advancedPast(sample: NetworkHealthSample, incident: NetworkIncident): boolean {
  return incident.headBlock === undefined || (sample.headBlock !== undefined && sample.headBlock > incident.headBlock);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
