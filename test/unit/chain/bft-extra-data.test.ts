import { encodeRlp, getAddress } from 'ethers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BftExtraData } from '../../../shared/chain/besu/bft-extra-data.ts';
import {
  decodeIbft2ExtraData,
  encodeIbft2ExtraData,
  ibft2GenesisExtraData,
} from '../../../shared/chain/besu/ibft2-extra-data.ts';
import {
  decodeQbftExtraData,
  encodeQbftExtraData,
  qbftGenesisExtraData,
} from '../../../shared/chain/besu/qbft-extra-data.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { type BftVector, IBFT2_VECTORS, QBFT_VECTORS } from './besu-extra-data.vectors.ts';

const CODECS = [
  { protocol: 'QBFT', vectors: QBFT_VECTORS, encode: encodeQbftExtraData, decode: decodeQbftExtraData },
  { protocol: 'IBFT 2.0', vectors: IBFT2_VECTORS, encode: encodeIbft2ExtraData, decode: decodeIbft2ExtraData },
] as const;

/** What a decoder returns for the vector's content: checksummed addresses, lower-case hex. */
function normalised(data: BftExtraData): BftExtraData {
  return {
    vanity: data.vanity.toLowerCase(),
    validators: data.validators.map((address) => getAddress(address)),
    vote: data.vote && { recipient: getAddress(data.vote.recipient), kind: data.vote.kind },
    round: data.round,
    seals: data.seals.map((seal) => seal.toLowerCase()),
  };
}

const hexBytes = (length: number) =>
  fc.uint8Array({ minLength: length, maxLength: length }).map((bytes) => `0x${Buffer.from(bytes).toString('hex')}`);

const extraData: fc.Arbitrary<BftExtraData> = fc.record({
  vanity: hexBytes(32),
  validators: fc.array(hexBytes(20), { maxLength: 8 }),
  vote: fc.option(fc.record({ recipient: hexBytes(20), kind: fc.constantFrom('add' as const, 'drop' as const) }), {
    nil: undefined,
  }),
  round: fc.integer({ min: 0, max: 0x7fff_ffff }),
  seals: fc.array(hexBytes(65), { maxLength: 4 }),
});

describe.each(CODECS)('$protocol extraData', ({ vectors, encode, decode }) => {
  it.each(vectors.map((vector) => [vector.name, vector] as const))(
    'encodes %s as Besu does',
    (_, vector: BftVector) => {
      expect(encode(vector.data)).toBe(vector.encoded);
    },
  );

  it.each(vectors.map((vector) => [vector.name, vector] as const))('decodes %s', (_, vector: BftVector) => {
    expect(decode(vector.encoded)).toEqual(normalised(vector.data));
  });

  it('decodes whatever it encodes', () => {
    fc.assert(
      fc.property(extraData, (data) => {
        expect(decode(encode(data))).toEqual(normalised(data));
      }),
      { numRuns: 200 },
    );
  });

  it('accepts extraData as bytes as well as hex', () => {
    const vector = vectors[0]!;
    expect(decode(Buffer.from(vector.encoded.slice(2), 'hex'))).toEqual(normalised(vector.data));
  });

  it.each([
    ['a 31-byte vanity', { vanity: `0x${'00'.repeat(31)}` }],
    ['a negative round', { round: -1 }],
    ['a round beyond a Java int', { round: 0x8000_0000 }],
    ['a fractional round', { round: 1.5 }],
    ['a malformed validator', { validators: ['0x1234'] }],
    ['a validator with a bad checksum', { validators: ['0x64A702E6263B7297a96638cAc6aE65e6541F4169'] }],
    ['a 64-byte seal', { seals: [`0x${'11'.repeat(64)}`] }],
  ] as const)('refuses to encode %s', (_, change) => {
    const data = { ...vectors[0]!.data, ...change } as BftExtraData;
    expect(() => encode(data)).toThrow(ValidationError);
  });
});

const VANITY = `0x${'00'.repeat(32)}`;
const ADDRESS = `0x${'11'.repeat(20)}`;

describe('malformed extraData', () => {
  it.each([
    ['empty bytes', '0x'],
    ['text that is not hex', 'validators please'],
    ['bytes that are not RLP', '0xf8'],
    ['an RLP string instead of a list', encodeRlp('0x1234')],
    ['a list of six items', encodeRlp([VANITY, [], [], '0x', [], '0x01'])],
    ['a 31-byte vanity', encodeRlp([`0x${'00'.repeat(31)}`, [], [], '0x', []])],
    ['a 19-byte validator', encodeRlp([VANITY, [`0x${'11'.repeat(19)}`], [], '0x', []])],
    ['a vote of unknown kind 0xaa', encodeRlp([VANITY, [], [ADDRESS, '0xaa'], '0x', []])],
    ['a vote without a kind', encodeRlp([VANITY, [], [ADDRESS], '0x', []])],
    ['a round with a leading zero byte', encodeRlp([VANITY, [], [], '0x00dcba', []])],
    ['a five-byte round', encodeRlp([VANITY, [], [], '0x0100000000', []])],
    ['a 64-byte seal', encodeRlp([VANITY, [], [], '0x', [`0x${'22'.repeat(64)}`]])],
  ])('QBFT rejects %s with a ValidationError', (_, bytes) => {
    expect(() => decodeQbftExtraData(bytes)).toThrow(ValidationError);
  });

  it.each([
    ['empty bytes', '0x'],
    ['a list of six items', encodeRlp([VANITY, [], '0x', '0x00000000', [], '0x01'])],
    ['a vote of unknown kind 0xaa', encodeRlp([VANITY, [], [ADDRESS, '0xaa'], '0x00000000', []])],
    ['an empty list where no vote should be empty bytes', encodeRlp([VANITY, [], [], '0x00000000', []])],
    ['a three-byte round', encodeRlp([VANITY, [], '0x', '0xfedcba', []])],
    ['a round of 0xffffffff (negative as a Java int)', encodeRlp([VANITY, [], '0x', '0xffffffff', []])],
  ])('IBFT 2.0 rejects %s with a ValidationError', (_, bytes) => {
    expect(() => decodeIbft2ExtraData(bytes)).toThrow(ValidationError);
  });
});

describe('QBFT and IBFT 2.0 differ where Besu differs', () => {
  const validators = [ADDRESS];

  it('writes no vote as an empty list in QBFT and as empty bytes in IBFT 2.0', () => {
    expect(qbftGenesisExtraData(validators).endsWith('c080c0')).toBe(true);
    expect(ibft2GenesisExtraData(validators).endsWith('808400000000c0')).toBe(true);
  });

  it('writes round 0 as an empty scalar in QBFT and as four zero bytes in IBFT 2.0', () => {
    const base = { vanity: VANITY, validators, vote: { recipient: ADDRESS, kind: 'add' as const }, seals: [] };
    expect(encodeQbftExtraData({ ...base, round: 0 })).toContain('81ff80c0');
    expect(encodeIbft2ExtraData({ ...base, round: 0 })).toContain('81ff8400000000c0');
  });

  it('writes a drop vote as empty bytes in QBFT and as 0x00 in IBFT 2.0', () => {
    const base = { vanity: VANITY, validators: [], vote: { recipient: ADDRESS, kind: 'drop' as const }, seals: [] };
    expect(encodeQbftExtraData({ ...base, round: 1 })).toContain(`d694${'11'.repeat(20)}8001c0`);
    expect(encodeIbft2ExtraData({ ...base, round: 1 })).toContain(`d694${'11'.repeat(20)}008400000001c0`);
  });

  it.each(QBFT_VECTORS.filter((vector) => vector.data.round === 0).map((vector) => [vector.name, vector] as const))(
    'the IBFT 2.0 decoder refuses QBFT %s',
    (_, vector) => {
      expect(() => decodeIbft2ExtraData(vector.encoded)).toThrow(ValidationError);
    },
  );

  it.each(IBFT2_VECTORS.map((vector) => [vector.name, vector] as const))(
    'the QBFT decoder refuses IBFT 2.0 %s',
    (_, vector) => {
      expect(() => decodeQbftExtraData(vector.encoded)).toThrow(ValidationError);
    },
  );

  it('reads an IBFT-style 0x00 drop in QBFT as a drop, as Besu does', () => {
    const bytes = encodeRlp([VANITY, [], [ADDRESS, '0x00'], '0x01', []]);
    expect(decodeQbftExtraData(bytes).vote).toEqual({ recipient: getAddress(ADDRESS), kind: 'drop' });
  });
});
