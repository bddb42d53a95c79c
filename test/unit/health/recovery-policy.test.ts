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

/** A fake clock and the monitor's loop reduced to its decisions: probe, judge, decide, record an attempt. */
function simulate(probes: ReadonlyArray<'up' | 'down'>, policy = POLICY) {
  let now = Date.parse('2026-05-01T00:00:00.000Z');
  let previous: HealthSample | undefined;
  const steps: { at: number; decision: RecoveryDecision; sample: HealthSample }[] = [];
  let head = 100;
  for (const probe of probes) {
    const observation: ProbeObservation =
      probe === 'up'
        ? { at: new Date(now).toISOString(), rpcOk: true, blockNumber: ++head, latencyMs: 2, syncing: false }
        : { at: new Date(now).toISOString(), rpcOk: false, rpcError: 'connection refused' };
    let sample = assessProbe(observation, previous, { blockPeriodSeconds: 2, minPeers: 0 });
    const decision = decideRecovery(sample, policy);
    if (decision.action === 'restart') sample = withRecoveryAttempt(sample, decision.attempt, 'requested');
    steps.push({ at: now, decision, sample });
    previous = sample;
    now += INTERVAL_MS;
  }
  return steps;
}

const actions = (steps: ReturnType<typeof simulate>) =>
  steps.map((s) => (s.decision.action === 'restart' ? `restart#${s.decision.attempt}` : s.decision.action));

describe('recovery policy', () => {
  it('waits for N failed probes in a row before the first restart', () => {
    expect(actions(simulate(['down', 'down', 'down']))).toEqual(['wait', 'wait', 'restart#1']);
  });

  it('does nothing for a healthy node, and a failure streak broken by one answer starts over', () => {
    expect(actions(simulate(['up', 'down', 'down', 'up', 'down', 'down', 'down']))).toEqual([
      'none',
      'wait',
      'wait',
      'none',
      'wait',
      'wait',
      'restart#1',
    ]);
  });

  it('backs off exponentially between attempts and gives up after M of them', () => {
    // 15 s probes: restart at probe 3, then 30 s, 60 s and 120 s of backoff.
    const steps = simulate(Array.from({ length: 20 }, () => 'down' as const));
    const restarts = steps.filter((s) => s.decision.action === 'restart');
    expect(restarts.map((s) => (s.at - steps[0]!.at) / 1000)).toEqual([30, 60, 120]);
    const giveUp = steps.find((s) => s.decision.action === 'give-up');
    expect(giveUp && (giveUp.at - restarts[2]!.at) / 1000).toBe(120);
    expect(restarts).toHaveLength(3);
  });

  it('explains giving up in words an operator can act on', () => {
    const giveUp = simulate(Array.from({ length: 20 }, () => 'down' as const)).find(
      (s) => s.decision.action === 'give-up',
    );
    expect(giveUp?.decision).toEqual({
      action: 'give-up',
      reason:
        'The node stopped answering and did not come back after 3 restarts (last probe: The node does not answer ' +
        'JSON-RPC (connection refused)). CareChain operators see it at the top of the fleet view; start it again or ' +
        'delete it.',
    });
  });

  it('forgets the attempts once the node answers again', () => {
    const steps = simulate(['down', 'down', 'down', 'up', 'down', 'down', 'down']);
    expect(steps[3]?.sample.recoveryAttempts).toBe(0);
    expect(actions(steps).at(-1)).toBe('restart#1');
  });

  it('counts a restart that could not even be requested as an attempt', () => {
    const [sample] = simulate(['down', 'down', 'down']).slice(-1);
    const failed = withRecoveryAttempt(sample!.sample, 1, 'failed', 'instance not found');
    expect(failed).toMatchObject({
      recoveryAttempts: 1,
      lastRecoveryAt: sample!.sample.at,
      recovery: { attempt: 1, outcome: 'failed', error: 'instance not found' },
    });
  });

  it.each([
    { attempt: 1, ms: 30_000 },
    { attempt: 2, ms: 60_000 },
    { attempt: 4, ms: 240_000 },
    { attempt: 5, ms: 300_000 },
    { attempt: 9, ms: 300_000 },
  ])('waits $ms ms after restart $attempt', ({ attempt, ms }) => {
    expect(backoffAfter(attempt, POLICY)).toBe(ms);
  });

  it('honours a stricter policy', () => {
    const steps = simulate(['down', 'down', 'down'], { ...POLICY, failureThreshold: 1, maxAttempts: 1 });
    expect(actions(steps)).toEqual(['restart#1', 'wait', 'give-up']);
  });
});
