/**
 * Besu releases and rolling-upgrade plans (shared/domain/besu-release.ts, rolling-upgrade.ts) and the BFT margin a
 * validator outage must keep (validator-safety.ts): the compatibility table refuses the steps across the QBFT
 * message-encoding change of 26.1.0 and adds the legacy-encoding flag where 26.6.0 needs it; a plan takes members
 * first and validators last; the first failure pauses it; a paused plan resumes or rolls back the nodes it touched,
 * the last first.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCompatibility, compareVersions, versionFromClientVersion } from '../../../shared/domain/besu-release.ts';
import {
  commandPlan,
  currentStep,
  paused,
  planUpgrade,
  type UpgradeTarget,
  withStep,
} from '../../../shared/domain/rolling-upgrade.ts';
import { checkValidatorOutage, toleratedFailures } from '../../../shared/domain/validator-safety.ts';
import { InvalidStateError } from '../../../shared/errors.ts';

const AT = '2026-03-01T10:00:00.000Z';
const release = (version: string) => ({ version, sha256: 'ab'.repeat(32) });

describe('the compatibility table', () => {
  it.each([
    ['25.10.0', '26.1.0', 'bft-message-encoding-26.1'],
    ['25.10.0', '26.5.2', 'bft-message-encoding-26.1'],
    ['26.2.0', '25.10.0', 'bft-message-encoding-26.1'],
    ['26.6.0', '25.10.0', 'bft-legacy-encoding-downgrade'],
    ['24.12.0', '24.3.0', 'receipt-compaction-24.5.1'],
    ['26.6.0', '26.6.0', 'same-version'],
  ])('refuses Besu %s → %s (%s), with the reason', (from, to, rule) => {
    const verdict = checkCompatibility(from, to);
    expect(verdict).toMatchObject({ ok: false, rule });
    if (!verdict.ok) expect(verdict.reason.length).toBeGreaterThan(30);
  });

  it('adds --Xbft-legacy-protocol-encoding from before 26.1.0 to 26.6.0 or later, and nothing for a plain step', () => {
    expect(checkCompatibility('25.10.0', '26.6.0')).toMatchObject({
      ok: true,
      flags: ['--Xbft-legacy-protocol-encoding'],
    });
    expect(checkCompatibility('25.4.0', '25.10.0')).toMatchObject({ ok: true, flags: [] });
    expect(checkCompatibility('26.6.0', '26.7.1')).toMatchObject({ ok: true, flags: [] });
  });

  it('orders versions and reads them from web3_clientVersion', () => {
    expect(compareVersions('26.1.0-RC1', '26.1.0')).toBeLessThan(0);
    expect(compareVersions('25.10.0', '25.9.3')).toBeGreaterThan(0);
    expect(versionFromClientVersion('besu/v26.6.0/linux-x86_64/openjdk-java-21')).toBe('26.6.0');
    expect(versionFromClientVersion('Geth/v1.14.0')).toBeUndefined();
  });
});

describe('a rolling-upgrade plan', () => {
  const targets: UpgradeTarget[] = [
    { nodeId: 'v1', name: 'validator-1', kind: 'validator', address: '0x01', version: '25.10.0' },
    { nodeId: 'm1', name: 'member-1', kind: 'member', version: '25.10.0' },
    { nodeId: 'v2', name: 'validator-2', kind: 'validator', address: '0x02', version: '25.10.0' },
    { nodeId: 'm2', name: 'member-2', kind: 'member', version: '25.10.0' },
  ];
  const plan = () =>
    planUpgrade({ id: 'upg-1', networkId: 'net-1', to: release('26.6.0'), targets, at: AT, createdBy: 'op' });

  it('takes members first and validators last, with the step’s flags', () => {
    const made = plan();
    expect(made.steps.map((s) => s.nodeId)).toEqual(['m1', 'm2', 'v1', 'v2']);
    expect(made.flags).toEqual(['--Xbft-legacy-protocol-encoding']);
    expect(currentStep(made)).toMatchObject({ index: 0, release: 'to' });
  });

  it('refuses nodes on different versions and a forbidden step', () => {
    const mixed = targets.map((t, i) => (i === 0 ? { ...t, version: '25.9.0' } : t));
    expect(() =>
      planUpgrade({ id: 'u', networkId: 'n', to: release('26.6.0'), targets: mixed, at: AT, createdBy: 'op' }),
    ).toThrow(/different Besu versions/);
    expect(() =>
      planUpgrade({ id: 'u', networkId: 'n', to: release('26.1.0'), targets, at: AT, createdBy: 'op' }),
    ).toThrow(InvalidStateError);
  });

  it('pauses on the first failure; resume retries the node; roll back moves touched nodes back, the last first', () => {
    let current = withStep(withStep(plan(), 0, { state: 'done' }, AT), 1, { state: 'done' }, AT);
    current = paused(current, 2, AT, 'it did not start');
    expect(current).toMatchObject({ state: 'paused', pausedReason: 'validator-1: it did not start' });
    expect(currentStep(current)).toBeUndefined();
    const resumed = commandPlan(current, 'resume', AT, 'op');
    expect(currentStep(resumed)).toMatchObject({ index: 2, step: { state: 'pending' }, release: 'to' });
    const back = commandPlan(current, 'roll-back', AT, 'op');
    expect(back).toMatchObject({ state: 'rolling-back', direction: 'rollback' });
    expect(currentStep(back)).toMatchObject({ index: 2, release: 'from' });
    const afterFirst = withStep(back, 2, { state: 'rolled-back' }, AT);
    expect(currentStep(afterFirst)).toMatchObject({ index: 1, release: 'from' });
    expect(() => commandPlan(plan(), 'cancel', AT, 'op')).toThrow(InvalidStateError);
  });
});

describe('taking a validator down', () => {
  it('is allowed exactly while the validators down stay within the BFT margin', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 16 }), (n, downCount) => {
        const down = Math.min(downCount, n - 1);
        const validators = Array.from({ length: n }, (_, i) => ({
          address: `0x${String(i + 1).padStart(40, '0')}`,
          live: i >= down,
        }));
        const target = validators[n - 1]?.address as string;
        const verdict = checkValidatorOutage(validators, target);
        expect(verdict.ok).toBe(down + 1 <= toleratedFailures(n));
      }),
    );
  });

  it('names the validators already down when it refuses', () => {
    const validators = [1, 2, 3, 4].map((i) => ({ address: `0x${String(i).padStart(40, '0')}`, live: i !== 1 }));
    const verdict = checkValidatorOutage(validators, validators[1]?.address as string);
    expect(verdict).toMatchObject({ ok: false, code: 'margin-exceeded' });
    if (!verdict.ok) expect(verdict.reason).toContain(validators[0]?.address);
  });
});
