/**
 * What a network's policy does with findings: `block` refuses, `flag` lets through and records, `off` does
 * nothing; an approved exemption for the organisation's network, contract and detector lets exactly that finding
 * through; exemptions move from asked for to approved or rejected, and from approved to revoked, and nowhere else.
 */
import { describe, expect, it } from 'vitest';
import {
  decidePersonalData,
  type Exemption,
  exemptionStateAfter,
  MatchedValue,
  type PersonalDataFinding,
  refusalMessage,
  strictestMode,
} from '../../../shared/domain/data-protection.ts';

const CONTRACT = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
const finding = (detector: PersonalDataFinding['detector'], offset = 68): PersonalDataFinding => ({
  detector,
  location: `calldata offset ${offset}`,
  matched: new MatchedValue('secret value'),
});
const exemption = (overrides: Partial<Exemption> = {}): Exemption => ({
  id: 'dpx_a',
  orgId: 'org_a',
  networkId: 'net_a',
  contract: CONTRACT,
  detector: 'email',
  reason: 'staff roster',
  state: 'approved',
  requestedAt: '2026-11-01T00:00:00.000Z',
  requestedBy: 'usr_a',
  decidedAt: '2026-11-02T00:00:00.000Z',
  decidedBy: 'usr_op',
  decisionNote: undefined,
  version: 2,
  ...overrides,
});
const context = { networkId: 'net_a', contract: CONTRACT.toUpperCase().replace('0X', '0x'), exemptions: [] };

describe('a network’s policy', () => {
  it.each([
    ['block', 'block'],
    ['flag', 'flag'],
    ['off', 'allow'],
  ] as const)('%s: %s', (mode, action) => {
    expect(decidePersonalData([finding('personnummer')], { ...context, mode }).action).toBe(action);
  });

  it('allows what has no findings', () => {
    expect(decidePersonalData([], { ...context, mode: 'block' })).toEqual({
      action: 'allow',
      findings: [],
      exempted: [],
    });
  });

  it('lets through what an approved exemption covers, and only that', () => {
    const decision = decidePersonalData([finding('email'), finding('personnummer', 100)], {
      ...context,
      mode: 'block',
      exemptions: [exemption()],
    });
    expect(decision.action).toBe('block');
    expect(decision.findings.map((f) => f.detector)).toEqual(['personnummer']);
    expect(decision.exempted.map((e) => e.exemptionId)).toEqual(['dpx_a']);
    expect(
      decidePersonalData([finding('email')], { ...context, mode: 'block', exemptions: [exemption()] }).action,
    ).toBe('allow');
  });

  it.each([
    ['asked for, not approved', exemption({ state: 'requested' })],
    ['revoked', exemption({ state: 'revoked' })],
    ['for another contract', exemption({ contract: '0x0000000000000000000000000000000000000001' })],
    ['for another network', exemption({ networkId: 'net_b' })],
    ['for another detector', exemption({ detector: 'phone' })],
  ])('does not exempt with an exemption %s', (_, covering) => {
    expect(decidePersonalData([finding('email')], { ...context, mode: 'block', exemptions: [covering] }).action).toBe(
      'block',
    );
  });

  it('does not exempt a deployment or a message, which call no contract', () => {
    const decision = decidePersonalData([finding('email')], {
      ...context,
      contract: undefined,
      mode: 'block',
      exemptions: [exemption()],
    });
    expect(decision.action).toBe('block');
  });

  it('takes the strictest of several networks’ modes, block when there are none', () => {
    expect(strictestMode(['off', 'flag'])).toBe('flag');
    expect(strictestMode(['flag', 'block', 'off'])).toBe('block');
    expect(strictestMode([])).toBe('block');
  });

  it('says what was found where, never the value', () => {
    const message = refusalMessage([{ detector: 'personnummer', location: 'calldata offset 68' }]);
    expect(message).toContain('calldata offset 68: personnummer');
    expect(message).not.toContain('secret');
  });
});

describe('an exemption’s states', () => {
  it.each([
    ['requested', 'approve', 'approved'],
    ['requested', 'reject', 'rejected'],
    ['approved', 'revoke', 'revoked'],
    ['requested', 'revoke', undefined],
    ['approved', 'approve', undefined],
    ['rejected', 'approve', undefined],
    ['revoked', 'approve', undefined],
    ['revoked', 'revoke', undefined],
  ] as const)('%s, %s → %s', (state, decision, next) => {
    expect(exemptionStateAfter(state, decision)).toBe(next);
  });
});
