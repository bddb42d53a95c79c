/**
 * The recovery policy where a node can be replaced (EC2): reboots with backoff first, then one replacement once
 * they are used up, then giving up — driven by a fake clock through the same probe → judge → decide loop the
 * monitor runs. Runtimes that cannot replace keep the restart-only policy.
 */
import { describe, expect, it } from 'vitest';
import {
  assessProbe,
  backoffAfter,
  decideRecovery,
  type HealthSample,
  type ProbeObservation,
  type RecoveryDecision,
  type RecoveryPolicy,
  withRecoveryAttempt,
} from '../../../shared/domain/health.ts';

const POLICY: RecoveryPolicy = { failureThreshold: 3, maxAttempts: 3, initialBackoffMs: 30_000, maxBackoffMs: 300_000 };
const INTERVAL_MS = 15_000;

function simulate(probes: ReadonlyArray<'up' | 'down'>, replaceable: boolean, replacementFails = false) {
  let now = Date.parse('2026-05-01T00:00:00.000Z');
  let previous: HealthSample | undefined;
  let head = 100;
  const steps: { at: number; decision: RecoveryDecision; sample: HealthSample }[] = [];
  for (const probe of probes) {
    const observation: ProbeObservation =
      probe === 'up'
        ? { at: new Date(now).toISOString(), rpcOk: true, blockNumber: ++head, latencyMs: 2, syncing: false }
        : { at: new Date(now).toISOString(), rpcOk: false, rpcError: 'connect ECONNREFUSED' };
    let sample = assessProbe(observation, previous, { blockPeriodSeconds: 2, minPeers: 0 });
    const decision = decideRecovery(sample, POLICY, { replaceable });
    if (decision.action === 'restart') sample = withRecoveryAttempt(sample, decision.attempt, 'requested');
    if (decision.action === 'replace') {
      sample = replacementFails
        ? withRecoveryAttempt(sample, decision.attempt, 'failed', 'EC2 RunInstances failed', 'replace')
        : withRecoveryAttempt(sample, decision.attempt, 'requested', undefined, 'replace');
    }
    steps.push({ at: now, decision, sample });
    previous = sample;
    now += INTERVAL_MS;
  }
  return steps;
}

const acting = (steps: ReturnType<typeof simulate>) =>
  steps.flatMap((s) =>
    s.decision.action === 'restart' || s.decision.action === 'replace'
      ? [`${s.decision.action}#${s.decision.attempt}`]
      : s.decision.action === 'give-up'
        ? ['give-up']
        : [],
  );

const down = (n: number) => Array.from({ length: n }, () => 'down' as const);

describe('recovery policy with replacement', () => {
  it('reboots M times with backoff, then replaces once, then gives up with a readable reason', () => {
    const steps = simulate(down(40), true);
    expect(acting(steps).slice(0, 5)).toEqual(['restart#1', 'restart#2', 'restart#3', 'replace#4', 'give-up']);

    const replace = steps.find((s) => s.decision.action === 'replace')!;
    const lastReboot = steps.filter((s) => s.decision.action === 'restart').at(-1)!;
    // The replacement waits out the backoff after the last reboot, like any attempt.
    expect(replace.at - lastReboot.at).toBeGreaterThanOrEqual(backoffAfter(3, POLICY));
    expect(replace.sample.recovery).toEqual({ attempt: 4, outcome: 'requested', action: 'replace' });

    const giveUp = steps.find((s) => s.decision.action === 'give-up')!;
    expect(giveUp.at - replace.at).toBeGreaterThanOrEqual(backoffAfter(4, POLICY));
    expect(giveUp.decision).toMatchObject({
      action: 'give-up',
      reason: expect.stringMatching(
        /^The node stopped answering and did not come back after 3 reboots and a replacement of its instance \(last probe: The node does not answer JSON-RPC/,
      ),
    });
  });

  it('gives up after a replacement that could not even be made, without a second one', () => {
    const steps = simulate(down(40), true, true);
    expect(acting(steps).slice(0, 5)).toEqual(['restart#1', 'restart#2', 'restart#3', 'replace#4', 'give-up']);
  });

  it('starts over when the replaced node answers again', () => {
    const firstOutage = down(18);
    const steps = simulate([...firstOutage, 'up', ...down(12)], true);
    const actions = acting(steps);
    expect(actions.filter((a) => a === 'replace#4')).toHaveLength(1);
    const afterAnswer = steps.slice(firstOutage.length + 1);
    expect(acting(afterAnswer)[0]).toBe('restart#1');
  });

  it('keeps restart-only recovery where the runtime cannot replace', () => {
    const steps = simulate(down(40), false);
    expect(acting(steps).slice(0, 4)).toEqual(['restart#1', 'restart#2', 'restart#3', 'give-up']);
    expect(steps.some((s) => s.decision.action === 'replace')).toBe(false);
  });
});
