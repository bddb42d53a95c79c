/**
 * Genesis allocations read from a Besu/geth-style genesis.json or from a network record, normalised for anvil's
 * anvil_set* calls; bad input is a ValidationError naming the field.
 */
import { describe, expect, it } from 'vitest';
import { allocFromGenesisJson, allocFromNetwork } from '../../../shared/adapters/local/anvil-genesis-alloc.ts';
import { ValidationError } from '../../../shared/errors.ts';

const ACCOUNT = '1111111111111111111111111111111111111111';

describe('allocFromGenesisJson', () => {
  it('normalises addresses, quantities and storage words', () => {
    const genesis = JSON.stringify({
      config: { chainId: 1_337_777, zeroBaseFee: true },
      alloc: {
        [ACCOUNT]: { balance: '1000000000000000000' },
        [`0x${'2'.repeat(40)}`]: { code: '0x6001600055', nonce: '0x1', storage: { '0x0': '0x07' } },
      },
    });

    expect(allocFromGenesisJson(genesis)).toEqual({
      [`0x${ACCOUNT}`]: { balance: '0xde0b6b3a7640000' },
      [`0x${'2'.repeat(40)}`]: {
        code: '0x6001600055',
        nonce: '0x1',
        storage: { [`0x${'0'.repeat(64)}`]: `0x${'0'.repeat(63)}7` },
      },
    });
  });

  it('accepts a genesis without allocations', () => {
    expect(allocFromGenesisJson(JSON.stringify({ config: { chainId: 1 } }))).toEqual({});
  });

  it.each([
    ['not JSON', '{', ''],
    ['a short address', JSON.stringify({ alloc: { '0x1234': { balance: '1' } } }), 'alloc.0x1234'],
    ['a negative balance', JSON.stringify({ alloc: { [ACCOUNT]: { balance: '-1' } } }), `alloc.${ACCOUNT}.balance`],
    ['odd-length code', JSON.stringify({ alloc: { [ACCOUNT]: { code: '0x123' } } }), `alloc.${ACCOUNT}.code`],
  ])('rejects %s', (_, genesis, path) => {
    let caught: unknown;
    try {
      allocFromGenesisJson(genesis);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    if (path) expect((caught as ValidationError).fields.map((field) => field.path)).toContain(path);
  });
});

describe('allocFromNetwork', () => {
  it('turns decimal and hex balances into hex quantities', () => {
    expect(allocFromNetwork({ alloc: { [`0x${ACCOUNT}`]: { balance: '255' } } })).toEqual({
      [`0x${ACCOUNT}`]: { balance: '0xff' },
    });
  });
});
