import { ZeroHash } from 'ethers';
import { describe, expect, it } from 'vitest';
import { decodeCliqueExtraData } from '../../../shared/chain/besu/clique-extra-data.ts';
import {
  BFT_MIX_HASH,
  buildGenesis,
  DEFAULT_GAS_LIMIT,
  genesisJson,
  requestTimeoutSeconds,
} from '../../../shared/chain/besu/genesis.ts';
import { decodeIbft2ExtraData } from '../../../shared/chain/besu/ibft2-extra-data.ts';
import { decodeQbftExtraData } from '../../../shared/chain/besu/qbft-extra-data.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { network, SORTED_DOCS_VALIDATORS } from './besu-fixtures.ts';

const CONSENSUS_SHAPES = [
  {
    consensus: 'qbft',
    section: 'qbft',
    mixHash: BFT_MIX_HASH,
    timeForks: true,
    validatorsIn: (extraData: string) => decodeQbftExtraData(extraData).validators,
  },
  {
    consensus: 'ibft2',
    section: 'ibft2',
    mixHash: BFT_MIX_HASH,
    timeForks: true,
    validatorsIn: (extraData: string) => decodeIbft2ExtraData(extraData).validators,
  },
  {
    consensus: 'clique',
    section: 'clique',
    mixHash: ZeroHash,
    timeForks: false,
    validatorsIn: (extraData: string) => decodeCliqueExtraData(extraData).signers,
  },
] as const;

describe('Besu genesis', () => {
  describe.each(CONSENSUS_SHAPES)('for $consensus', ({ consensus, section, mixHash, timeForks, validatorsIn }) => {
    const genesis = buildGenesis(network({ consensus, blockPeriodSeconds: 5 }));

    it('carries the chain id and free gas', () => {
      expect(genesis.config.chainId).toBe(1_337_777);
      expect(genesis.config.zeroBaseFee).toBe(true);
    });

    it('has only its own consensus section', () => {
      const sections = ['qbft', 'ibft2', 'clique'].filter((key) => key in genesis.config);
      expect(sections).toEqual([section]);
      expect(genesis.config[section]?.blockperiodseconds).toBe(5);
      expect(genesis.config[section]?.epochlength).toBe(30_000);
    });

    it('lists the validators in extraData, checksummed and ascending', () => {
      expect(validatorsIn(genesis.extraData)).toEqual(SORTED_DOCS_VALIDATORS);
    });

    it('uses the mixHash and difficulty Besu requires of the protocol', () => {
      expect(genesis.mixHash).toBe(mixHash);
      expect(genesis.difficulty).toBe('0x1');
    });

    it(`${timeForks ? 'activates' : 'does not activate'} Shanghai and Cancun, after London at block 0`, () => {
      expect(genesis.config.londonBlock).toBe(0);
      expect(genesis.config.berlinBlock).toBe(0);
      expect('shanghaiTime' in genesis.config).toBe(timeForks);
      expect('cancunTime' in genesis.config).toBe(timeForks);
    });

    it('starts from block 0 with no parent and the zero coinbase', () => {
      expect(genesis).toMatchObject({
        number: '0x0',
        gasUsed: '0x0',
        nonce: '0x0',
        parentHash: ZeroHash,
        coinbase: '0x0000000000000000000000000000000000000000',
      });
    });
  });

  it('gives QBFT the documented BFT mixHash constant', () => {
    expect(BFT_MIX_HASH).toBe('0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365');
  });

  it.each([
    [1, 2],
    [2, 4],
    [5, 10],
    [15, 30],
  ])('sets requesttimeoutseconds for a %i s block period to %i s (twice the period)', (period, timeout) => {
    expect(requestTimeoutSeconds(period)).toBe(timeout);
    expect(buildGenesis(network({ blockPeriodSeconds: period })).config.qbft?.requesttimeoutseconds).toBe(timeout);
    expect(buildGenesis(network({ consensus: 'ibft2', blockPeriodSeconds: period })).config.ibft2).toMatchObject({
      requesttimeoutseconds: timeout,
    });
  });

  it('gives Clique no round timeout: it has no rounds', () => {
    expect(buildGenesis(network({ consensus: 'clique' })).config.clique).toEqual({
      blockperiodseconds: 2,
      epochlength: 30_000,
    });
  });

  it("stamps the network's creation time, so the same network always yields the same bytes", () => {
    const record = network();
    expect(buildGenesis(record).timestamp).toBe(`0x${(Date.parse(record.createdAt) / 1000).toString(16)}`);
    expect(genesisJson(record)).toBe(genesisJson(network()));
    expect(genesisJson(network({ createdAt: '2026-11-25T00:00:00.000Z' }))).not.toBe(genesisJson(record));
  });

  it('writes JSON that reads back as the same genesis', () => {
    const record = network();
    expect(JSON.parse(genesisJson(record))).toEqual(buildGenesis(record));
  });

  it('uses a 30 million block gas limit unless told otherwise', () => {
    expect(DEFAULT_GAS_LIMIT).toBe(30_000_000n);
    expect(buildGenesis(network()).gasLimit).toBe('0x1c9c380');
    expect(buildGenesis(network(), { gasLimit: 0x1fffffffffffffn }).gasLimit).toBe('0x1fffffffffffff');
  });

  it('pre-funds alloc accounts under checksummed addresses with hex balances', () => {
    const genesis = buildGenesis(
      network({
        alloc: {
          fe3b557e8fb62b89f4916b721be55ceb828dbd73: { balance: '90000000000000000000000' },
          '0x627306090abaB3A6e1400e9345bC60c78a8BEf57': { balance: '0xad78ebc5ac6200000' },
        },
      }),
    );
    expect(genesis.alloc).toEqual({
      '0xFE3B557E8Fb62b89F4916B721be55cEb828dBd73': { balance: '0x130ee8e7179044400000' },
      '0x627306090abaB3A6e1400e9345bC60c78a8BEf57': { balance: '0xad78ebc5ac6200000' },
    });
  });

  it.each([
    ['no validators', network({ validators: [] })],
    ['a duplicated validator', network({ validators: [SORTED_DOCS_VALIDATORS[0], SORTED_DOCS_VALIDATORS[0]] })],
    ['a malformed validator', network({ validators: ['0x1234'] })],
    ['a zero block period', network({ blockPeriodSeconds: 0 })],
    ['a fractional block period', network({ blockPeriodSeconds: 1.5 })],
    ['chain id 0', network({ chainId: 0 })],
    ['an unreadable creation time', network({ createdAt: 'yesterday' })],
    ['a negative balance', network({ alloc: { [SORTED_DOCS_VALIDATORS[0]]: { balance: '-1' } } })],
    ['a balance in ether', network({ alloc: { [SORTED_DOCS_VALIDATORS[0]]: { balance: '1.5' } } })],
    [
      'a balance beyond 256 bits',
      network({ alloc: { [SORTED_DOCS_VALIDATORS[0]]: { balance: `0x1${'0'.repeat(64)}` } } }),
    ],
    [
      'one account twice in different letter case',
      network({
        alloc: {
          [SORTED_DOCS_VALIDATORS[0]]: { balance: '1' },
          [SORTED_DOCS_VALIDATORS[0].toLowerCase()]: { balance: '2' },
        },
      }),
    ],
  ])('refuses a network with %s', (_, record) => {
    expect(() => buildGenesis(record)).toThrow(ValidationError);
  });

  it('refuses a gas limit below the protocol minimum', () => {
    expect(() => buildGenesis(network(), { gasLimit: 4999n })).toThrow(ValidationError);
  });
});
