import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChainHeads } from '../../../functions/gateway/chain-heads.ts';
import { parseJson } from '../../../functions/gateway/exact-json.ts';
import { cacheKeyOf, isFinalResult, ResultCache } from '../../../functions/gateway/result-cache.ts';

const HASH = `0x${'ab'.repeat(32)}`;
const qbft = { runtime: 'besu', knownHead: undefined } as const;
const block = { number: '0x10', hash: HASH, transactions: [] };

describe('which calls may be cached', () => {
  it.each([
    ['eth_chainId', [], 'eth_chainId'],
    ['eth_chainId', undefined, 'eth_chainId'],
    ['net_version', [], 'net_version'],
    ['eth_getBlockByHash', [HASH.toUpperCase().replace('0X', '0x'), false], `eth_getBlockByHash:${HASH}:false`],
    ['eth_getTransactionByHash', [HASH], `eth_getTransactionByHash:${HASH}`],
    ['eth_getTransactionReceipt', [HASH], `eth_getTransactionReceipt:${HASH}`],
    ['eth_getBlockByNumber', ['0x0010', true], 'eth_getBlockByNumber:0x10:true'],
  ])('%s %j has the key %s', (method, params, key) => {
    expect(cacheKeyOf(method, params)).toBe(key);
  });

  it.each([
    ['eth_getBlockByNumber', ['latest', false]],
    ['eth_getBlockByNumber', ['pending', false]],
    ['eth_getBlockByNumber', ['finalized', false]],
    ['eth_getBlockByNumber', ['earliest', false]],
    ['eth_getBlockByNumber', ['0x10']],
    ['eth_getBlockByHash', ['0x1234', false]],
    ['eth_getTransactionReceipt', [42]],
    ['eth_chainId', { a: 1 }],
    ['eth_blockNumber', []],
    ['eth_getBalance', ['0x0000000000000000000000000000000000000000', '0x1']],
  ])('%s %j is never cached', (method, params) => {
    expect(cacheKeyOf(method, params)).toBeUndefined();
  });
});

describe('cache keys and large numbers', () => {
  const shapes = (n: string) => [`[${n}]`, `[${n},false]`, `["${HASH}",${n}]`, `[${n},"latest"]`, `["0x10",${n}]`];
  const methods = [
    'eth_chainId',
    'net_version',
    'eth_getBlockByHash',
    'eth_getBlockByNumber',
    'eth_getTransactionByHash',
    'eth_getTransactionReceipt',
  ];

  it('never gives two calls that differ only in a large number the same key (property)', () => {
    const integerText = fc.bigInt({ min: 1n - 10n ** 40n, max: 10n ** 40n - 1n }).map(String);
    const numberText = fc.oneof(integerText, fc.constantFrom('1.0', '1e2', '0.10', '-0', '9007199254740993'));
    fc.assert(
      fc.property(numberText, numberText, fc.constantFrom(...methods), fc.nat(4), (a, b, method, shape) => {
        fc.pre(a !== b);
        const keyOf = (n: string) => cacheKeyOf(method, parseJson(shapes(n)[shape] as string) as unknown[]);
        const keyA = keyOf(a);
        return keyA === undefined || keyA !== keyOf(b);
      }),
    );
  });
});

describe('which results are final', () => {
  it('keeps the chain id and network version', () => {
    expect(isFinalResult('eth_chainId', [], '0x14699', qbft)).toBe(true);
    expect(isFinalResult('net_version', [], '1337777', qbft)).toBe(true);
  });

  it('never keeps a null result: the thing may appear later', () => {
    expect(isFinalResult('eth_getTransactionReceipt', [HASH], null, qbft)).toBe(false);
    expect(isFinalResult('eth_getBlockByHash', [HASH, false], null, qbft)).toBe(false);
    expect(isFinalResult('eth_getBlockByNumber', ['0x10', false], null, qbft)).toBe(false);
  });

  it('keeps a transaction only once it is mined', () => {
    expect(isFinalResult('eth_getTransactionByHash', [HASH], { hash: HASH, blockHash: null }, qbft)).toBe(false);
    expect(isFinalResult('eth_getTransactionByHash', [HASH], { hash: HASH, blockHash: HASH }, qbft)).toBe(true);
  });

  it('keeps a receipt and a block by hash once they exist', () => {
    expect(isFinalResult('eth_getTransactionReceipt', [HASH], { blockHash: HASH }, qbft)).toBe(true);
    expect(isFinalResult('eth_getBlockByHash', [HASH, false], block, qbft)).toBe(true);
  });

  it('keeps any existing block by number on QBFT runtimes, whose blocks are final', () => {
    for (const runtime of ['besu', 'ec2', 'external'] as const) {
      expect(isFinalResult('eth_getBlockByNumber', ['0x10', false], block, { runtime, knownHead: undefined })).toBe(
        true,
      );
    }
  });

  it('keeps a block by number on anvil only strictly below a head it has seen', () => {
    const at = (knownHead: bigint | undefined) => ({ runtime: 'anvil', knownHead }) as const;
    expect(isFinalResult('eth_getBlockByNumber', ['0x10', false], block, at(undefined))).toBe(false);
    expect(isFinalResult('eth_getBlockByNumber', ['0x10', false], block, at(16n))).toBe(false);
    expect(isFinalResult('eth_getBlockByNumber', ['0x10', false], block, at(17n))).toBe(true);
  });
});

describe('chain heads', () => {
  it('learns the highest block seen, never going back', () => {
    const heads = new ChainHeads();
    heads.observeResult('a', 'eth_blockNumber', '0x20');
    heads.observeResult('a', 'eth_getBlockByNumber', { number: '0x10' });
    expect(heads.get('a')).toBe(32n);
    heads.observeResult('a', 'eth_getBlockByHash', { number: '0x21' });
    expect(heads.get('a')).toBe(33n);
    heads.observeResult('a', 'eth_blockNumber', 'garbage');
    expect(heads.get('a')).toBe(33n);
    expect(heads.get('b')).toBeUndefined();
  });
});

describe('result cache bounds', () => {
  it('keeps results apart per endpoint', () => {
    const cache = new ResultCache();
    cache.set('http://a', 'eth_chainId', '"0x1"');
    expect(cache.get('http://a', 'eth_chainId')).toBe('"0x1"');
    expect(cache.get('http://b', 'eth_chainId')).toBeUndefined();
  });

  it('evicts the least recently used entry beyond its entry limit', () => {
    const cache = new ResultCache({ maxEntries: 2 });
    cache.set('e', 'a', '1');
    cache.set('e', 'b', '2');
    cache.get('e', 'a');
    cache.set('e', 'c', '3');
    expect(cache.get('e', 'a')).toBe('1');
    expect(cache.get('e', 'b')).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it('bounds the total size of what it holds and skips results larger than the whole cache', () => {
    const cache = new ResultCache({ maxEntries: 100, maxBytes: 10 });
    cache.set('e', 'a', '12345');
    cache.set('e', 'b', '12345');
    cache.set('e', 'c', '123');
    expect(cache.get('e', 'a')).toBeUndefined();
    expect([cache.get('e', 'b'), cache.get('e', 'c')]).toEqual(['12345', '123']);
    cache.set('e', 'huge', '12345678901');
    expect(cache.get('e', 'huge')).toBeUndefined();
    expect([cache.get('e', 'b'), cache.get('e', 'c')]).toEqual(['12345', '123']);
    expect(cache.size).toBe(2);
  });
});
