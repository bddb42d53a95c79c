import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkValidatorChange,
  qbftQuorum,
  toleratedFailures,
  type UnsafeChangeCode,
  type ValidatorChange,
  type ValidatorStatus,
} from '../../../shared/domain/validator-safety.ts';
import { ValidationError } from '../../../shared/errors.ts';

/** Validator n's address: 0x00…0n. */
function address(n: number): string {
  return `0x${n.toString(16).padStart(40, '0')}`;
}

/** A validator set written as a string of L (live) and D (down): 'LLD' is validators 1 and 2 live, 3 down. */
function validatorSet(pattern: string): ValidatorStatus[] {
  return [...pattern].map((c, i) => ({ address: address(i + 1), live: c === 'L' }));
}

const NEW = address(99);

describe('qbftQuorum', () => {
  // Besu: BftHelpers.calculateRequiredValidatorQuorum(n) = ceil(2n/3).
  it.each([
    [1, 1, 0],
    [2, 2, 0],
    [3, 2, 1],
    [4, 3, 1],
    [5, 4, 1],
    [6, 4, 2],
    [7, 5, 2],
    [10, 7, 3],
    [100, 67, 33],
  ])('%i validators need %i to seal a block and tolerate %i down', (n, quorum, tolerated) => {
    expect(qbftQuorum(n)).toBe(quorum);
    expect(toleratedFailures(n)).toBe(tolerated);
  });
});

describe('checkValidatorChange accepts safe steps', () => {
  const cases: [string, string, ValidatorChange][] = [
    ['growing two to three, the new node not up yet', 'LL', { kind: 'add', address: NEW }],
    ['growing three to four', 'LLL', { kind: 'add', address: NEW }],
    ['growing four to five', 'LLLL', { kind: 'add', address: NEW, live: true }],
    ['adding a running replacement while one of four is down', 'LLLD', { kind: 'add', address: NEW, live: true }],
    ['shrinking four to three', 'LLLL', { kind: 'remove', address: address(1) }],
    ['shrinking two to one', 'LL', { kind: 'remove', address: address(2) }],
    ['removing the one down validator of four', 'LLLD', { kind: 'remove', address: address(4) }],
    ['removing one of two down validators of seven', 'LLLLLDD', { kind: 'remove', address: address(6) }],
  ];
  it.each(cases)('%s', (_name, pattern, change) => {
    expect(checkValidatorChange({ validators: validatorSet(pattern), change })).toEqual({ ok: true });
  });
});

describe('checkValidatorChange refuses unsafe steps', () => {
  const cases: [string, string, ValidatorChange, UnsafeChangeCode][] = [
    ['adding an existing validator', 'LLLL', { kind: 'add', address: address(2) }, 'already-a-validator'],
    ['removing an unknown validator', 'LLLL', { kind: 'remove', address: NEW }, 'unknown-validator'],
    ['removing the only validator', 'L', { kind: 'remove', address: address(1) }, 'last-validator'],
    ['removing the only validator while it is down', 'D', { kind: 'remove', address: address(1) }, 'last-validator'],
    ['growing one to two with a running node', 'L', { kind: 'add', address: NEW, live: true }, 'two-validators'],
    ['growing one to two', 'L', { kind: 'add', address: NEW }, 'two-validators'],
    ['shrinking three to two', 'LLL', { kind: 'remove', address: address(3) }, 'two-validators'],
    ['shrinking three to two by the down one', 'LLD', { kind: 'remove', address: address(3) }, 'two-validators'],
    ['any change while two of four are down', 'LLDD', { kind: 'add', address: NEW, live: true }, 'network-stalled'],
    ['removing the down one of a stalled pair', 'LD', { kind: 'remove', address: address(2) }, 'network-stalled'],
    [
      'removing a live validator while another of four is down',
      'LLLD',
      { kind: 'remove', address: address(1) },
      'another-validator-down',
    ],
    [
      'removing a live validator while another of seven is down',
      'LLLLLLD',
      { kind: 'remove', address: address(1) },
      'another-validator-down',
    ],
    [
      'adding a validator that is not up while one of four is down',
      'LLLD',
      { kind: 'add', address: NEW },
      'below-quorum',
    ],
    [
      'adding a validator that is not up while one of three is down',
      'LLD',
      { kind: 'add', address: NEW },
      'below-quorum',
    ],
  ];
  it.each(cases)('%s', (_name, pattern, change, code) => {
    const verdict = checkValidatorChange({ validators: validatorSet(pattern), change });
    expect(verdict).toMatchObject({ ok: false, code });
  });

  it('matches addresses regardless of letter case', () => {
    const validators = [{ address: '0xAbCdEf0000000000000000000000000000000001', live: true }, ...validatorSet('LLL')];
    const verdict = checkValidatorChange({
      validators,
      change: { kind: 'add', address: '0xabcdef0000000000000000000000000000000001' },
    });
    expect(verdict).toMatchObject({ ok: false, code: 'already-a-validator' });
  });
});

describe('refusal reasons name the numbers and the safe path', () => {
  it('a second validator: explains the quorum of two and points to four validators at genesis', () => {
    const verdict = checkValidatorChange({ validators: validatorSet('L'), change: { kind: 'add', address: NEW } });
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.reason).toContain('either one failing stops the chain');
    expect(verdict.reason).toContain('one at a time');
    expect(verdict.reason).toContain('at least four validators');
  });

  it('shrinking to two: add the replacement first', () => {
    const verdict = checkValidatorChange({
      validators: validatorSet('LLL'),
      change: { kind: 'remove', address: address(1) },
    });
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining('Add a replacement validator first') });
  });

  it('a stalled network: live count, quorum and the down validators', () => {
    const verdict = checkValidatorChange({
      validators: validatorSet('LLDD'),
      change: { kind: 'remove', address: address(3) },
    });
    expect(verdict).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/Only 2 of 4 validators are live and QBFT needs 3.*Bring 0x0+3, 0x0+4 back/),
    });
  });

  it('below quorum after adding: start the new node first', () => {
    const verdict = checkValidatorChange({ validators: validatorSet('LLLD'), change: { kind: 'add', address: NEW } });
    expect(verdict).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/5 validators and need 4 of them.*only 3 would be live.*let it sync/),
    });
  });
});

describe('malformed requests', () => {
  it.each([
    ['an empty validator set', [], address(1), 'validators'],
    ['a malformed validator address', [{ address: '0x1234', live: true }], address(1), 'validators[0].address'],
    [
      'a validator listed twice',
      [
        { address: '0xabcdef0000000000000000000000000000000001', live: true },
        { address: '0xABCDEF0000000000000000000000000000000001', live: false },
      ],
      address(2),
      'validators[1].address',
    ],
    ['a malformed change address', validatorSet('LLLL'), 'validator-5', 'change.address'],
  ])('%s is a ValidationError naming the field', (_name, validators, changeAddress, path) => {
    const run = () => checkValidatorChange({ validators, change: { kind: 'add', address: changeAddress } });
    expect(run).toThrow(ValidationError);
    try {
      run();
    } catch (error) {
      expect((error as ValidationError).fields.map((f) => f.path)).toContain(path);
    }
  });
});

describe('every accepted change keeps the chain producing blocks', () => {
  it('holds for any set of up to 12 validators and any change', () => {
    const arbitraryRequest = fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }).chain((liveness) =>
      fc.record({
        liveness: fc.constant(liveness),
        change: fc.oneof(
          fc.record({ kind: fc.constant('add' as const), live: fc.boolean() }),
          fc.record({ kind: fc.constant('remove' as const), index: fc.nat({ max: liveness.length - 1 }) }),
        ),
      }),
    );
    fc.assert(
      fc.property(arbitraryRequest, ({ liveness, change }) => {
        const validators = liveness.map((live, i) => ({ address: address(i + 1), live }));
        const request =
          change.kind === 'add'
            ? { validators, change: { kind: 'add' as const, address: NEW, live: change.live } }
            : { validators, change: { kind: 'remove' as const, address: address(change.index + 1) } };
        const verdict = checkValidatorChange(request);
        if (!verdict.ok) return;
        const after =
          request.change.kind === 'add'
            ? [...validators, { address: NEW, live: request.change.live ?? false }]
            : validators.filter((v) => v.address !== request.change.address);
        const liveAfter = after.filter((v) => v.live).length;
        const liveBefore = validators.filter((v) => v.live).length;
        expect(liveBefore).toBeGreaterThanOrEqual(qbftQuorum(validators.length));
        expect(liveAfter).toBeGreaterThanOrEqual(qbftQuorum(after.length));
        expect(after.length).not.toBe(2);
        expect(after.length).toBeGreaterThan(0);
      }),
    );
  });
});
