/**
 * Rolling Besu upgrades of a network (docs/architecture.md, "Fleet operations"), pure: the plan, one node at a time
 * with the members first and the validators last, and what the runner does next. Before a validator is taken down
 * the BFT margin is checked (validator-safety.ts), and every node must answer on the new version, at the network's
 * head, with the network producing, before the next one starts. The first failure pauses the plan; a paused plan
 * is resumed (the failed node is tried again) or rolled back (the nodes it touched go back, the last first).
 */

import { InvalidStateError } from '../errors.ts';
import { type BesuRelease, checkCompatibility } from './besu-release.ts';

export const UPGRADE_PLAN_STATES = [
  'running',
  'paused',
  'completed',
  'rolling-back',
  'rolled-back',
  'cancelled',
] as const;
export type UpgradePlanState = (typeof UPGRADE_PLAN_STATES)[number];

export const UPGRADE_STEP_STATES = ['pending', 'upgrading', 'verifying', 'done', 'failed', 'rolled-back'] as const;
export type UpgradeStepState = (typeof UPGRADE_STEP_STATES)[number];

export const UPGRADE_NODE_KINDS = ['member', 'validator'] as const;
export type UpgradeNodeKind = (typeof UPGRADE_NODE_KINDS)[number];

/** A Besu process of the network that the platform runs, as a plan names it. */
export interface UpgradeTarget {
  /** A node record's id, or the id of a validator process the platform runs without one (local genesis). */
  readonly nodeId: string;
  readonly name: string;
  readonly kind: UpgradeNodeKind;
  /** The validator address, for validators. */
  readonly address?: string;
  /** The Besu version the node reports now. */
  readonly version: string;
}

export interface UpgradeStep extends UpgradeTarget {
  readonly state: UpgradeStepState;
  readonly attempts: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly error?: string;
}

export interface UpgradeEvent {
  readonly at: string;
  readonly detail: string;
}

export interface UpgradePlan {
  readonly id: string;
  readonly networkId: string;
  /** What the nodes ran before: a release, or (no SHA-256) the release the fleet installs by default. */
  readonly from: { readonly version: string; readonly sha256?: string };
  readonly to: BesuRelease;
  /** Options every node gets while it runs `to` under this plan (compatibility flags). */
  readonly flags: readonly string[];
  readonly steps: readonly UpgradeStep[];
  readonly state: UpgradePlanState;
  /** Toward `to`, or back to `from` after a roll-back was asked for. */
  readonly direction: 'upgrade' | 'rollback';
  readonly pausedReason?: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly events: readonly UpgradeEvent[];
}

/**
 * A plan for the network's nodes. Refused (InvalidStateError with the reason) when the nodes do not all run one
 * version, or when the version step is one the compatibility table refuses.
 */
export function planUpgrade(input: {
  readonly id: string;
  readonly networkId: string;
  readonly to: BesuRelease;
  /** The release the network's nodes were last moved to, if a plan set one. */
  readonly current?: BesuRelease;
  readonly targets: readonly UpgradeTarget[];
  readonly at: string;
  readonly createdBy: string;
}): UpgradePlan {
  const { targets, to } = input;
  if (targets.length === 0) {
    throw new InvalidStateError('The network has no Besu node the platform runs: there is nothing to upgrade.');
  }
  const versions = [...new Set(targets.map((t) => t.version))];
  if (versions.length > 1) {
    const byVersion = versions.map(
      (v) =>
        `${v}: ${targets
          .filter((t) => t.version === v)
          .map((t) => t.name)
          .join(', ')}`,
    );
    throw new InvalidStateError(
      `The network’s nodes run different Besu versions (${byVersion.join('; ')}). Finish or roll back the plan ` +
        'that left them so before planning another.',
    );
  }
  const from = versions[0] as string;
  const verdict = checkCompatibility(from, to.version);
  if (!verdict.ok) throw new InvalidStateError(verdict.reason);
  const ordered = [...targets.filter((t) => t.kind === 'member'), ...targets.filter((t) => t.kind === 'validator')];
  return {
    id: input.id,
    networkId: input.networkId,
    from: input.current?.version === from ? { version: from, sha256: input.current.sha256 } : { version: from },
    to,
    flags: verdict.flags,
    steps: ordered.map((target) => ({ ...target, state: 'pending', attempts: 0 })),
    state: 'running',
    direction: 'upgrade',
    createdAt: input.at,
    createdBy: input.createdBy,
    updatedAt: input.at,
    events: [
      {
        at: input.at,
        detail:
          `Planned Besu ${from} → ${to.version} for ${ordered.length} nodes, members first, validators last.` +
          (verdict.flags.length ? ` Upgraded nodes start with ${verdict.flags.join(' ')}.` : ''),
      },
    ],
  };
}

/** The step the runner works on next, and the release it moves that node to; none when the plan rests. */
export function currentStep(
  plan: UpgradePlan,
): { index: number; step: UpgradeStep; release: 'to' | 'from' } | undefined {
  if (plan.state === 'running') {
    const index = plan.steps.findIndex((s) => s.state !== 'done');
    const step = plan.steps[index];
    return step ? { index, step, release: 'to' } : undefined;
  }
  if (plan.state === 'rolling-back') {
    for (let index = plan.steps.length - 1; index >= 0; index--) {
      const step = plan.steps[index] as UpgradeStep;
      if (step.state !== 'pending' && step.state !== 'rolled-back') return { index, step, release: 'from' };
    }
  }
  return undefined;
}

export function withStep(plan: UpgradePlan, index: number, change: Partial<UpgradeStep>, at: string): UpgradePlan {
  return { ...plan, steps: plan.steps.map((s, i) => (i === index ? { ...s, ...change } : s)), updatedAt: at };
}

export function withEvent(plan: UpgradePlan, at: string, detail: string): UpgradePlan {
  return { ...plan, events: [...plan.events, { at, detail }], updatedAt: at };
}

/** The plan after its last step: completed, or rolled back. */
export function finished(plan: UpgradePlan, at: string): UpgradePlan {
  if (plan.state === 'running') {
    return withEvent({ ...plan, state: 'completed' }, at, `Every node runs Besu ${plan.to.version}.`);
  }
  return withEvent(
    { ...plan, state: 'rolled-back' },
    at,
    `Every node the plan touched runs Besu ${plan.from.version} again.`,
  );
}

/** The first failure pauses the plan, with the reason (the caller raises the alert). */
export function paused(plan: UpgradePlan, index: number, at: string, reason: string): UpgradePlan {
  const step = plan.steps[index] as UpgradeStep;
  const failed = withStep(plan, index, { state: 'failed', error: reason, finishedAt: at }, at);
  return withEvent(
    { ...failed, state: 'paused', pausedReason: `${step.name}: ${reason}` },
    at,
    `Paused at ${step.name}: ${reason}`,
  );
}

export type PlanCommand = 'resume' | 'roll-back' | 'cancel' | 'pause';

/** An operator's command on a plan; refused with InvalidStateError where the plan's state does not allow it. */
export function commandPlan(plan: UpgradePlan, command: PlanCommand, at: string, by: string): UpgradePlan {
  const refuse = (why: string) => new InvalidStateError(`The plan is ${plan.state}: ${why}`);
  switch (command) {
    case 'pause':
      if (plan.state !== 'running' && plan.state !== 'rolling-back') throw refuse('only a running plan pauses.');
      return withEvent({ ...plan, state: 'paused', pausedReason: `Paused by ${by}` }, at, `Paused by ${by}.`);
    case 'resume': {
      if (plan.state !== 'paused') throw refuse('only a paused plan is resumed.');
      const back = plan.direction === 'rollback';
      // The failed node is tried again: forward from scratch, or back as a node the plan touched.
      const retry = back ? ('upgrading' as const) : ('pending' as const);
      const steps = plan.steps.map((s) => (s.state === 'failed' ? { ...s, state: retry, error: undefined } : s));
      return withEvent(
        { ...plan, steps, state: back ? 'rolling-back' : 'running', pausedReason: undefined },
        at,
        `Resumed by ${by}.`,
      );
    }
    case 'roll-back': {
      if (plan.state !== 'paused' && plan.state !== 'completed') throw refuse('pause it before rolling it back.');
      if (plan.direction === 'rollback') throw refuse('it is being rolled back already; resume it.');
      const verdict = checkCompatibility(plan.to.version, plan.from.version, { rollback: true });
      if (!verdict.ok) throw new InvalidStateError(verdict.reason);
      // A node whose upgrade failed or was being checked may be on either version: it is moved back like the others.
      const touched = (s: UpgradeStep) => s.state === 'failed' || s.state === 'verifying';
      const steps = plan.steps.map((s) => (touched(s) ? { ...s, state: 'upgrading' as const, error: undefined } : s));
      return withEvent(
        { ...plan, steps, state: 'rolling-back', direction: 'rollback', pausedReason: undefined },
        at,
        `Rolling back to Besu ${plan.from.version}, asked by ${by}.`,
      );
    }
    case 'cancel':
      if (plan.state !== 'paused') throw refuse('only a paused plan is cancelled (nodes stay as they are).');
      return withEvent({ ...plan, state: 'cancelled' }, at, `Cancelled by ${by}; nodes stay as they are.`);
  }
}

/** A plan that still changes nodes: a network has at most one. */
export function isActivePlan(plan: Pick<UpgradePlan, 'state'>): boolean {
  return plan.state === 'running' || plan.state === 'paused' || plan.state === 'rolling-back';
}

/** The release a step's node is moved to: the plan's target, or what it ran before (undefined: the default). */
export function releaseFor(plan: UpgradePlan, direction: 'to' | 'from'): BesuRelease | undefined {
  if (direction === 'to') return plan.to;
  return plan.from.sha256 ? { version: plan.from.version, sha256: plan.from.sha256 } : undefined;
}

/** The options a node starts with on that release: the plan's flags on `to` only. */
export function flagsFor(plan: UpgradePlan, direction: 'to' | 'from'): readonly string[] {
  return direction === 'to' ? plan.flags : [];
}
