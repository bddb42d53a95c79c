import { describe, expect, it } from 'vitest';
import {
  assessProbe,
  type HealthExpectations,
  type HealthSample,
  type ProbeObservation,
} from '../../../shared/domain/health.ts';

const T0 = Date.parse('2026-03-10T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const expected: HealthExpectations = { blockPeriodSeconds: 2, minPeers: 0 };

function ok(seconds: number, blockNumber: number, extra: Partial<ProbeObservation> = {}): ProbeObservation {
  return { at: at(seconds), rpcOk: true, latencyMs: 3, blockNumber, syncing: false, ...extra };
}

function down(seconds: number, rpcError = 'connection refused'): ProbeObservation {
  return { at: at(seconds), rpcOk: false, rpcError };
}

/** Feeds probes one after another, each judged against the previous sample, as the monitor does. */
function run(observations: ProbeObservation[], expectations = expected): HealthSample[] {
  const samples: HealthSample[] = [];
  for (const observation of observations) samples.push(assessProbe(observation, samples.at(-1), expectations));
  return samples;
}

describe('health derivation', () => {
  it('calls a node that answers and whose head moves healthy', () => {
    const [first, second] = run([ok(0, 10), ok(2, 11)]);
    expect(first).toMatchObject({ health: 'healthy', headAdvancing: true, consecutiveFailures: 0 });
    expect(second).toMatchObject({
      health: 'healthy',
      headChangedAt: at(2),
      reason: 'Answers JSON-RPC and produces blocks',
    });
  });

  it('calls a node that does not answer JSON-RPC unhealthy at the first failed probe, saying why', () => {
    const [, failed] = run([ok(0, 10), down(2, 'no answer within 5000 ms')]);
    expect(failed?.health).toBe('unhealthy');
    expect(failed?.reason).toBe('The node does not answer JSON-RPC (no answer within 5000 ms)');
    expect(failed?.headAdvancing).toBe(false);
  });

  it.each([
    { lastMoveAfter: 6, degraded: false, case: 'exactly 3 block periods without a block' },
    { lastMoveAfter: 7, degraded: true, case: 'more than 3 block periods without a block' },
  ])('$case → degraded: $degraded', ({ lastMoveAfter, degraded }) => {
    const samples = run([ok(0, 10), ok(3, 10), ok(lastMoveAfter, 10)]);
    const last = samples.at(-1);
    expect(last?.health).toBe(degraded ? 'degraded' : 'healthy');
    expect(last?.headAdvancing).toBe(!degraded);
    if (degraded) expect(last?.reason).toBe('No new block within 6 s (3 block periods)');
  });

  it('uses the network’s block period for the stall limit', () => {
    const slow = run([ok(0, 10), ok(14, 10)], { blockPeriodSeconds: 5, minPeers: 0 });
    expect(slow.at(-1)?.health).toBe('healthy');
  });

  it('counts a head that moves again as advancing from that probe on', () => {
    const samples = run([ok(0, 10), ok(8, 10), ok(10, 11)]);
    expect(samples.map((s) => s.health)).toEqual(['healthy', 'degraded', 'healthy']);
  });

  it('calls a syncing node degraded', () => {
    const [sample] = run([ok(0, 10, { syncing: { currentBlock: 10, highestBlock: 500 } })]);
    expect(sample).toMatchObject({
      health: 'degraded',
      reason: 'The node is syncing: its head is behind the network’s',
    });
  });

  it('checks peers only where peers are expected', () => {
    const lonely = ok(0, 10, { peerCount: 0 });
    expect(run([lonely], { blockPeriodSeconds: 2, minPeers: 1 })[0]?.health).toBe('degraded');
    expect(run([lonely], { blockPeriodSeconds: 2, minPeers: 0 })[0]?.health).toBe('healthy');
    expect(run([ok(0, 10, { peerCount: 3 })], { blockPeriodSeconds: 2, minPeers: 1 })[0]?.health).toBe('healthy');
  });

  it('reads Besu’s liveness as life and readiness as fitness', () => {
    expect(run([ok(0, 10, { liveness: 'down', readiness: 'up' })])[0]?.health).toBe('unhealthy');
    expect(run([ok(0, 10, { liveness: 'unreachable' })])[0]?.health).toBe('unhealthy');
    expect(run([ok(0, 10, { liveness: 'up', readiness: 'down' })])[0]).toMatchObject({
      health: 'degraded',
      reason: 'Besu reports it is not ready (too few peers or too far behind)',
    });
    expect(run([ok(0, 10, { liveness: 'up', readiness: 'up' })])[0]?.health).toBe('healthy');
  });

  it('calls slow answers degraded', () => {
    expect(run([ok(0, 10, { latencyMs: 2_500 })])[0]?.reason).toBe('Slow JSON-RPC answers (over 2000 ms)');
    expect(run([ok(0, 10, { latencyMs: 2_500 })], { ...expected, slowResponseMs: 3_000 })[0]?.health).toBe('healthy');
  });

  it('counts failures in a row and starts again at the first answer', () => {
    const samples = run([down(0), down(2), down(4), ok(6, 12), down(8)]);
    expect(samples.map((s) => s.consecutiveFailures)).toEqual([1, 2, 3, 0, 1]);
  });

  it('treats the first head after an outage as fresh', () => {
    const samples = run([ok(0, 10), down(2), down(20), ok(22, 10)]);
    expect(samples.at(-1)).toMatchObject({ health: 'healthy', headChangedAt: at(22) });
  });

  it('treats a head that went backwards (a chain restarted from older state) as moved', () => {
    const samples = run([ok(0, 50), ok(8, 40)]);
    expect(samples.at(-1)?.health).toBe('healthy');
  });

  it('keeps reasons free of counters, so an unchanged condition reads the same probe after probe', () => {
    const samples = run([ok(0, 10), ok(8, 10), ok(10, 10), ok(30, 10)]);
    expect(new Set(samples.slice(1).map((s) => s.reason)).size).toBe(1);
  });
});
