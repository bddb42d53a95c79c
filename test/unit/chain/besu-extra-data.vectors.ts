/**
 * Known-good extraData encodings, each copied from Besu's documentation or Besu's own codec tests, with the
 * decoded content they stand for. The encoders must reproduce them byte for byte.
 */
import type { BftExtraData } from '../../../shared/chain/besu/bft-extra-data.ts';
import { DOCS_VALIDATORS } from './besu-fixtures.ts';

export interface BftVector {
  readonly name: string;
  readonly source: string;
  readonly data: BftExtraData;
  readonly encoded: string;
}

const ZERO_VANITY = `0x${'00'.repeat(32)}`;
/** Besu tests' createNonEmptyVanityData(): bytes 1, 2, …, 32. */
const COUNTING_VANITY = `0x${Array.from({ length: 32 }, (_, i) => (i + 1).toString(16).padStart(2, '0')).join('')}`;
const word = (value: number) => value.toString(16).padStart(64, '0');
/** createSignature(r, s, recId) encoded as r ‖ s ‖ recId. */
const seal = (r: number, s: number, recoveryId: number) =>
  `0x${word(r)}${word(s)}${recoveryId.toString(16).padStart(2, '0')}`;
const ADDRESS_1 = '0x0000000000000000000000000000000000000001';
const ADDRESS_2 = '0x0000000000000000000000000000000000000002';

const genesis = (validators: readonly string[]): BftExtraData => ({
  vanity: ZERO_VANITY,
  validators,
  vote: undefined,
  round: 0,
  seals: [],
});

const FULLY_POPULATED: BftExtraData = {
  vanity: COUNTING_VANITY,
  validators: [ADDRESS_1, ADDRESS_2],
  vote: { recipient: ADDRESS_1, kind: 'add' },
  round: 0x00fe_dcba,
  seals: [seal(1, 10, 0), seal(10, 1, 0)],
};

export const QBFT_VECTORS: readonly BftVector[] = [
  {
    name: 'genesis with four validators (QBFT genesis file example)',
    source: 'besu-docs private-networks/how-to/configure/consensus/qbft.md, "Genesis file"',
    data: genesis(DOCS_VALIDATORS),
    encoded:
      '0xf87aa00000000000000000000000000000000000000000000000000000000000000000f8549464a702e6263b7297a96638cac6ae65e6541f4169943923390ad55e90c237593b3b0e401f3b08a0318594aefdb9a738c9f433e5b6b212a6d62f6370c2f69294c7eeb9a4e00ce683cf93039b212648e01c6c6b78c080c0',
  },
  {
    name: 'genesis from `besu rlp encode --type=QBFT_EXTRA_DATA`',
    source: 'besu-docs private-networks/how-to/configure/consensus/qbft.md, "Generate extra data"',
    data: genesis([
      '0x4592c8e45706cc08b8f44b11e43cba0cfc5892cb',
      '0x06e23768a0f59cf365e18c2e0c89e151bcdedc70',
      '0xc5327f96ee02d7bcbc1bf1236b8c15148971e1de',
      '0xab5e7f4061c605820d3744227eed91ff8e2c8908',
    ]),
    encoded:
      '0xf87aa00000000000000000000000000000000000000000000000000000000000000000f854944592c8e45706cc08b8f44b11e43cba0cfc5892cb9406e23768a0f59cf365e18c2e0c89e151bcdedc7094c5327f96ee02d7bcbc1bf1236b8c15148971e1de94ab5e7f4061c605820d3744227eed91ff8e2c8908c080c0',
  },
  {
    name: 'genesis for contract validator selection (no validators)',
    source: 'besu-docs private-networks/how-to/configure/consensus/qbft.md, "Contract validator selection"',
    data: genesis([]),
    encoded: '0xe5a00000000000000000000000000000000000000000000000000000000000000000c0c080c0',
  },
  {
    name: 'fully populated: vote, round 0xfedcba, two seals',
    source: 'besu consensus/qbft/src/test/…/QbftExtraDataCodecTest.java RAW_HEX_ENCODING_STRING',
    data: FULLY_POPULATED,
    encoded:
      '0xf8f0a00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20ea940000000000000000000000000000000000000001940000000000000000000000000000000000000002d794000000000000000000000000000000000000000181ff83fedcbaf886b8410000000000000000000000000000000000000000000000000000000000000001000000000000000000000000000000000000000000000000000000000000000a00b841000000000000000000000000000000000000000000000000000000000000000a000000000000000000000000000000000000000000000000000000000000000100',
  },
];

export const IBFT2_VECTORS: readonly BftVector[] = [
  {
    name: 'genesis from `besu rlp encode --type=IBFT_EXTRA_DATA`',
    source: 'besu-docs private-networks/reference/cli/subcommands.md, "IBFT 2.0 extra data"',
    data: genesis(['0xbe068f726a13c8d46c44be6ce9d275600e1735a4', '0x5ff6f4b66a46a2b2310a6f3a93aaddc0d9a1c193']),
    encoded:
      '0xf853a00000000000000000000000000000000000000000000000000000000000000000ea94be068f726a13c8d46c44be6ce9d275600e1735a4945ff6f4b66a46a2b2310a6f3a93aaddc0d9a1c193808400000000c0',
  },
  {
    name: 'genesis with one validator (IBFT 2.0 genesis file example)',
    source: 'besu-docs private-networks/how-to/configure/consensus/ibft.md, "Genesis file"',
    data: genesis(['0xc2ab482b506de561668e07f04547232a72897daf']),
    encoded:
      '0xf83ea00000000000000000000000000000000000000000000000000000000000000000d594c2ab482b506de561668e07f04547232a72897daf808400000000c0',
  },
  {
    name: 'fully populated: vote, round 0xfedcba as 4 bytes, two seals',
    source: 'besu consensus/ibft/src/test/…/IbftExtraDataEncoderTest.java RAW_HEX_ENCODING_STRING',
    data: FULLY_POPULATED,
    encoded:
      '0xf8f1a00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20ea940000000000000000000000000000000000000001940000000000000000000000000000000000000002d794000000000000000000000000000000000000000181ff8400fedcbaf886b8410000000000000000000000000000000000000000000000000000000000000001000000000000000000000000000000000000000000000000000000000000000a00b841000000000000000000000000000000000000000000000000000000000000000a000000000000000000000000000000000000000000000000000000000000000100',
  },
];

export const CLIQUE_VECTOR = {
  name: 'genesis with one signer (Clique genesis file example)',
  source: 'besu-docs private-networks/how-to/configure/consensus/clique.md, "Genesis file"',
  signers: ['0x01a54556254bfa3db2daa7673435ec63649925c5'],
  encoded:
    '0x000000000000000000000000000000000000000000000000000000000000000001a54556254bfa3db2daa7673435ec63649925c50000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
} as const;
