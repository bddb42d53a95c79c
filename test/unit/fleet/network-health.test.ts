/**
 * A network's state from one look at it (shared/domain/network-health.ts) and what the incident does next
 * (shared/domain/network-incident.ts): producing, slow, stalled with a quorum live, below quorum with the validators
 * down named; a stall schedules the coordinated restart, below quorum never restarts, the first new block closes it.
 */
import { describe, expect, it } from 'vitest';
import {
  assessNetwork,
  type NetworkObservation,
  type ValidatorObservation,
} from '../../../shared/domain/network-health.ts';
import {
  cancelScheduledRestart,
  type NetworkIncident,
  nextIncidentStep,
  operatorRestart,
  restartOutcome,
} from '../../../shared/domain/network-incident.ts';
import { InvalidStateError } from '../../../shared/errors.ts';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const validator = (n: number, live = true): ValidatorObservation => ({
  address: `0x${String(n).padStart(40, '0')}`,
  source: 'platform',
  live,
});

/** Four validators with `down` of them not answering; the head is `ageSeconds` old at `seconds`. */
function look(seconds: number, ageSeconds: number, down = 0, headBlock = 100): NetworkObservation {
  return {
    at: at(seconds),
    consensusApplies: true,
    headBlock,
    headTimestamp: Math.floor((T0 + (seconds - ageSeconds) * 1000) / 1000),
    validators: [1, 2, 3, 4].map((n) => validator(n, n > down)),
    nodesAnswering: 4 - down,
    nodesAsked: 4,
  };
}

const assess = (o: NetworkObservation, previous?: Parameters<typeof assessNetwork>[2]) =>
  assessNetwork('net-1', o, previous, 2);

describe('a network’s state', () => {
  it.each([
    ['producing', 2, 0],
    ['slow', 8, 0],
    ['stalled', 14, 0],
    ['producing', 2, 1],
    ['below-quorum', 2, 2],
    ['below-quorum', 60, 2],
  ] as const)('is %s with a head %i s old and %i of 4 validators down (2 s blocks)', (state, age, down) => {
    expect(assess(look(100, age, down)).state).toBe(state);
  });

  it('names the validators down and says restarting the others cannot help below quorum', () => {
    const sample = assess(look(100, 30, 2));
    expect(sample).toMatchObject({ liveValidators: 2, quorum: 3 });
    expect(sample.validatorsDown).toEqual([validator(1).address, validator(2).address]);
    expect(sample.reason).toContain(validator(1).address);
    expect(sample.reason).toContain('restarting the others cannot help');
  });

  it('does not judge validators where consensus does not apply (anvil), and is unknown when nothing answers', () => {
    const anvil = assess({ ...look(100, 30, 3), consensusApplies: false });
    expect(anvil).toMatchObject({ state: 'stalled', quorum: 0, validators: [], validatorsDown: [] });
    expect(assess({ ...look(100, 1), nodesAnswering: 0, headBlock: undefined }).state).toBe('unknown');
  });

  it('computes the block time from the previous sample and reports the QBFT round of the head', () => {
    const first = assess(look(0, 0, 0, 100));
    const second = assess({ ...look(20, 0, 0, 110), headRound: 2 }, first);
    expect(second.secondsPerBlock).toBe(2);
    expect(second.reason).toContain('round 2');
  });
});

describe('a network incident', () => {
  let ids = 0;
  const newId = () => `inc-${++ids}`;
  const policy = { restartDelayMs: 30_000, restartGraceMs: 60_000, maxRestarts: 2 };

  function step(sample: ReturnType<typeof assess>, open: NetworkIncident | undefined) {
    return nextIncidentStep(sample, open, newId, policy);
  }

  it('below quorum opens an incident that waits for the validators down and never restarts', () => {
    const first = step(assess(look(100, 30, 2)), undefined);
    expect(first).toMatchObject({ kind: 'record', opened: true, incident: { kind: 'below-quorum' } });
    if (first.kind === 'none') throw new Error('no incident');
    expect(first.incident.recovery.status).toBe('waiting-for-validators');
    expect(first.incident.timeline.map((e) => e.event)).toEqual(['validators-down']);
    // Still below quorum later: nothing changes, nothing restarts.
    expect(step(assess(look(400, 330, 2)), first.incident)).toEqual({ kind: 'none' });
    expect(() => operatorRestart(first.incident, assess(look(100, 30, 2)), { type: 'user', id: 'u' }, at(100))).toThrow(
      /Recover .* first/,
    );
  });

  it('a stall with a quorum back schedules the restart, which an operator may cancel, and restarts when due', () => {
    const below = step(assess(look(100, 30, 2)), undefined);
    if (below.kind === 'none') throw new Error('no incident');
    const back = step(assess(look(110, 40, 1)), below.incident);
    if (back.kind !== 'record') throw new Error('expected a record');
    expect(back.incident.recovery.status).toBe('scheduled');
    expect(back.incident.timeline.map((e) => e.event)).toEqual(['validators-down', 'quorum-back', 'restart-scheduled']);

    const cancelled = cancelScheduledRestart(back.incident, { type: 'user', id: 'op' }, at(115));
    expect(cancelled.recovery.status).toBe('cancelled');
    expect(step(assess(look(200, 130, 1)), cancelled)).toEqual({ kind: 'none' });

    const due = step(assess(look(141, 71, 1)), back.incident);
    expect(due.kind).toBe('restart');
    if (due.kind === 'none') throw new Error('no restart');
    expect(due.incident.recovery).toMatchObject({ status: 'restarting', attempts: 1 });
    const done = restartOutcome(due.incident, at(142), ['0xa', '0xb', '0xc'], []);
    expect(done.recovery.status).toBe('restarted');
    // The same head a little later is not a recovery; a new block is.
    expect(step(assess(look(150, 10, 0)), done)).toEqual({ kind: 'none' });
    const recovered = step(assess(look(160, 0, 0, 101)), done);
    expect(recovered).toMatchObject({ kind: 'record', resolved: true, incident: { resolvedAt: at(160) } });
  });

  it('tries the coordinated restart again after its grace, then leaves the incident to operators', () => {
    let incident: NetworkIncident | undefined;
    const kinds: string[] = [];
    for (const seconds of [0, 100, 200, 300]) {
      const next = step(assess(look(seconds, 20 + seconds, 0)), incident);
      kinds.push(next.kind);
      if (next.kind === 'none') continue;
      incident = next.kind === 'restart' ? restartOutcome(next.incident, at(seconds), ['0xa'], []) : next.incident;
    }
    expect(kinds).toEqual(['record', 'restart', 'restart', 'record']);
    expect(incident?.recovery).toMatchObject({ status: 'gave-up', attempts: 2 });
  });

  it('refuses an operator’s restart without an open incident', () => {
    expect(() => operatorRestart(undefined, assess(look(1, 1)), { type: 'user', id: 'u' }, at(1))).toThrow(
      InvalidStateError,
    );
  });
});
