/**
 * BFT safety margin for validator-set changes (docs/architecture.md, "Governance"). Before the control plane carries out a
 * passed add- or remove-validator decision on a QBFT network, it asks whether the network keeps producing blocks
 * through and after the change, and refuses unsafe steps with a reason an operator can act on.
 *
 * Besu seals a QBFT block once a quorum of ceil(2n/3) validators commit to it (BftHelpers
 * .calculateRequiredValidatorQuorum), so the chain stalls as soon as fewer than that are live. Validator votes
 * are themselves carried in blocks and change the set one address at a time.
 */
import { type FieldError, ValidationError } from '../errors.ts';

export interface ValidatorStatus {
  readonly address: string;
  /** Running, in sync and taking part in consensus, as the health monitor last saw it. */
  readonly live: boolean;
}

export type ValidatorChange =
  | {
      readonly kind: 'add';
      readonly address: string;
      /**
       * Whether the new validator's node is already running and in sync. Once voted in, a validator that is
       * not up counts against the quorum like any other down validator. @default false
       */
      readonly live?: boolean;
    }
  | { readonly kind: 'remove'; readonly address: string };

export interface ValidatorChangeRequest {
  readonly validators: readonly ValidatorStatus[];
  readonly change: ValidatorChange;
}

export const UNSAFE_CHANGE_CODES = [
  'already-a-validator',
  'unknown-validator',
  'last-validator',
  'network-stalled',
  'two-validators',
  'another-validator-down',
  'below-quorum',
  'margin-exceeded',
] as const;
export type UnsafeChangeCode = (typeof UNSAFE_CHANGE_CODES)[number];

export type ValidatorChangeVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: UnsafeChangeCode; readonly reason: string };

/** Validators that must commit to a block before Besu seals it: ceil(2n/3). */
export function qbftQuorum(validatorCount: number): number {
  return Math.ceil((2 * validatorCount) / 3);
}

/** Validators that may be down while blocks are still produced. */
export function toleratedFailures(validatorCount: number): number {
  return validatorCount - qbftQuorum(validatorCount);
}

/**
 * Decides whether a validator change is safe to carry out now. Unsafe changes are refused with a stable code and
 * a reason that names the safe path; malformed input (bad or repeated addresses, an empty set) throws a
 * ValidationError.
 */
export function checkValidatorChange(request: ValidatorChangeRequest): ValidatorChangeVerdict {
  assertWellFormed(request);
  const { validators, change } = request;
  const key = change.address.toLowerCase();
  const target = validators.find((v) => v.address.toLowerCase() === key);
  const down = validators.filter((v) => !v.live);
  const n = validators.length;
  const live = n - down.length;

  if (change.kind === 'add' && target) {
    return refuse('already-a-validator', `${change.address} is already a validator of this network.`);
  }
  if (change.kind === 'remove' && !target) {
    return refuse('unknown-validator', `${change.address} is not a validator of this network.`);
  }
  if (change.kind === 'remove' && n === 1) {
    return refuse(
      'last-validator',
      `${change.address} is the network's only validator; without one no block is ever produced again, so it ` +
        'cannot be removed.',
    );
  }
  if (live < qbftQuorum(n)) {
    return refuse(
      'network-stalled',
      `Only ${live} of ${n} validators are live and QBFT needs ${qbftQuorum(n)} to produce blocks, so the network ` +
        `is stalled and cannot vote the change in. Bring ${addressList(down)} back first.`,
    );
  }

  const after = n + (change.kind === 'add' ? 1 : -1);
  const liveAfter = live + (change.kind === 'add' ? (change.live ? 1 : 0) : target?.live ? -1 : 0);
  if (after === 2) return refuse('two-validators', twoValidatorsReason(change));

  if (change.kind === 'remove' && target?.live) {
    const othersDown = down.filter((v) => v.address.toLowerCase() !== key);
    if (othersDown.length > 0) {
      return refuse(
        'another-validator-down',
        `${addressList(othersDown)} ${othersDown.length === 1 ? 'is' : 'are'} down, so the network already runs on ` +
          `a reduced margin; removing the live validator ${change.address} now would shrink it further. ` +
          `Bring ${addressList(othersDown)} back (or remove ${othersDown.length === 1 ? 'it' : 'them'}) first.`,
      );
    }
  }

  if (liveAfter < qbftQuorum(after)) {
    const remedy =
      change.kind === 'add' && !change.live
        ? `Start ${change.address}'s node and let it sync before the vote, or bring ${addressList(down)} back first.`
        : `Bring ${addressList(down)} back first.`;
    return refuse(
      'below-quorum',
      `After this change the network would have ${after} validators and need ${qbftQuorum(after)} of them to ` +
        `produce blocks, but only ${liveAfter} would be live, so the chain would stop. ${remedy}`,
    );
  }
  return { ok: true };
}

/**
 * Whether one validator may be taken down now (restarted, upgraded) while the set stays as it is: the validators
 * down at the same time, this one included, must stay within the BFT margin n - ceil(2n/3). A validator that is
 * down already changes nothing by being taken down.
 */
export function checkValidatorOutage(validators: readonly ValidatorStatus[], address: string): ValidatorChangeVerdict {
  assertWellFormed({ validators, change: { kind: 'remove', address } });
  const key = address.toLowerCase();
  const target = validators.find((v) => v.address.toLowerCase() === key);
  if (!target) return refuse('unknown-validator', `${address} is not a validator of this network.`);
  if (!target.live) return { ok: true };
  const othersDown = validators.filter((v) => !v.live && v.address.toLowerCase() !== key);
  const n = validators.length;
  if (othersDown.length + 1 > toleratedFailures(n)) {
    const margin = toleratedFailures(n);
    return refuse(
      'margin-exceeded',
      `${n} validators tolerate ${margin} down at a time (QBFT needs ${qbftQuorum(n)} of them for a block)` +
        (othersDown.length > 0
          ? `, and ${addressList(othersDown)} ${othersDown.length === 1 ? 'is' : 'are'} down already: ` +
            `bring ${othersDown.length === 1 ? 'it' : 'them'} back before taking ${address} down.`
          : `: taking ${address} down would stop the chain.`),
    );
  }
  return { ok: true };
}

function twoValidatorsReason(change: ValidatorChange): string {
  const why =
    'A network of two validators needs both of them for every block (QBFT quorum ceil(2·2/3) = 2), so either ' +
    'one failing stops the chain: it is less available than one validator.';
  if (change.kind === 'add') {
    return (
      `Adding ${change.address} would leave two validators. ${why} Validators are voted in one at a time, so a ` +
      'set cannot go from one straight to three. The safe path is a network whose genesis already lists at least ' +
      'four validators (four tolerate one faulty validator, the minimum Besu gives for Byzantine fault ' +
      'tolerance); keep single-validator networks for development.'
    );
  }
  return (
    `Removing ${change.address} would leave two validators. ${why} Add a replacement validator first (three to ` +
    'four, with its node running and in sync), then remove this one (four to three).'
  );
}

function assertWellFormed({ validators, change }: ValidatorChangeRequest): void {
  const fields: FieldError[] = [];
  if (validators.length === 0) {
    fields.push({ path: 'validators', message: 'A QBFT network always has at least one validator' });
  }
  const seen = new Set<string>();
  validators.forEach((v, i) => {
    if (!isAddress(v.address)) fields.push({ path: `validators[${i}].address`, message: 'Not an address' });
    else if (seen.has(v.address.toLowerCase())) {
      fields.push({ path: `validators[${i}].address`, message: 'Listed twice' });
    }
    seen.add(v.address.toLowerCase());
  });
  if (!isAddress(change.address)) fields.push({ path: 'change.address', message: 'Not an address' });
  if (fields.length > 0) throw new ValidationError('The validator change is not well formed', fields);
}

function isAddress(value: string): boolean {
  return /^0x[0-9a-fA-F]{40}$/.test(value);
}

function addressList(validators: readonly ValidatorStatus[]): string {
  return validators.map((v) => v.address).join(', ');
}

function refuse(code: UnsafeChangeCode, reason: string): ValidatorChangeVerdict {
  return { ok: false, code, reason };
}
