import { describe, expect, it } from 'vitest';
import { canonicalValidators, checksummedAddress } from '../../../shared/chain/besu/validator-set.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { DOCS_VALIDATORS, SORTED_DOCS_VALIDATORS } from './besu-fixtures.ts';

describe('canonical validator set', () => {
  it('checksums and sorts ascending by address bytes, as Besu keeps validators', () => {
    expect(canonicalValidators(DOCS_VALIDATORS)).toEqual(SORTED_DOCS_VALIDATORS);
  });

  it('orders by bytes whatever the letter case of the input', () => {
    const mixed = ['0xAA00000000000000000000000000000000000000', '0x0b00000000000000000000000000000000000000'];
    expect(canonicalValidators(mixed).map((a) => a.toLowerCase())).toEqual([
      '0x0b00000000000000000000000000000000000000',
      '0xaa00000000000000000000000000000000000000',
    ]);
  });

  it('accepts addresses without the 0x prefix, as `besu rlp encode` input has them', () => {
    expect(canonicalValidators(['64a702e6263b7297a96638cac6ae65e6541f4169'])).toEqual([SORTED_DOCS_VALIDATORS[1]]);
  });

  it('leaves the caller’s list untouched', () => {
    const input = [...DOCS_VALIDATORS];
    canonicalValidators(input);
    expect(input).toEqual(DOCS_VALIDATORS);
  });

  it('refuses an address listed twice, even in another letter case', () => {
    const twice = [DOCS_VALIDATORS[0], DOCS_VALIDATORS[0].toUpperCase().replace('0X', '0x')];
    expect(() => canonicalValidators(twice)).toThrow(ValidationError);
  });

  it.each([
    ['too short', '0x1234'],
    ['not hex', '0xzz00000000000000000000000000000000000000'],
    ['a wrong checksum', '0x64A702E6263B7297a96638cAc6aE65e6541F4169'],
  ])('refuses an address that is %s, naming the field', (_, address) => {
    const error = (() => {
      try {
        checksummedAddress(address, 'validators[2]');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields[0]?.path).toBe('validators[2]');
  });
});
