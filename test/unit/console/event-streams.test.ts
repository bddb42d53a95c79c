/**
 * The console's own logic for event streams: a chain-log filter typed into the Webhooks form becomes the shape the
 * API takes (eth_getLogs' positions), and the live head waits longer after each failed connection, within bounds.
 */
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../../console/src/pages/nodes/use-live-head.ts';
import {
  addressesText,
  parseAddresses,
  parseTopics,
  topicPositionText,
  topicsText,
} from '../../../console/src/pages/webhooks/chain-log-filter.ts';
import { ChainLogFilter } from '../../../shared/schemas/webhooks.schemas.ts';

const A = `0x${'ab'.repeat(20)}`;
const B = `0x${'cd'.repeat(20)}`;
const T1 = `0x${'11'.repeat(32)}`;
const T2 = `0x${'22'.repeat(32)}`;

describe('the chain-log filter as typed', () => {
  it.each([
    ['one per line', `${A}\n${B}\n`, [A, B]],
    ['commas and spaces', `${A}, ${B}`, [A, B]],
    ['blank lines', `\n${A}\n\n`, [A]],
  ])('reads addresses given %s', (_, text, expected) => {
    expect(parseAddresses(text)).toEqual(expected);
  });

  it.each([
    ['one topic', T1, [T1]],
    ['any of several at a position', `${T1}, ${T2}`, [[T1, T2]]],
    ['anything at the first position', `*\n${T2}`, [null, T2]],
    ['an empty line as anything', `\n${T2}`, [null, T2]],
    ['trailing blank lines dropped', `${T1}\n\n`, [T1]],
  ])('reads topics given %s', (_, text, expected) => {
    expect(parseTopics(text)).toEqual(expected);
  });

  it('gives the API a filter its schema accepts', () => {
    const filter = {
      networkId: 'net_aaaaaaaaaaaaaaaaaaaa',
      address: parseAddresses(A),
      topics: parseTopics(`*\n${T1},${T2}`),
    };
    expect(ChainLogFilter.safeParse(filter).success).toBe(true);
  });

  it.each([
    ['one topic', [T1]],
    ['anything, then one', [null, T2]],
    ['any of several, then anything, then one', [[T1, T2], null, T1]],
  ])('shows a saved filter to be changed as it reads back: %s', (_, topics) => {
    expect(topicsText(topics)).not.toBe('');
    expect(parseTopics(topicsText(topics))).toEqual(topics);
    expect(parseAddresses(addressesText([A, B]))).toEqual([A, B]);
  });

  it('shows no filter as empty fields', () => {
    expect(topicsText(undefined)).toBe('');
    expect(addressesText(undefined)).toBe('');
    expect(parseTopics(topicsText([]))).toEqual([]);
  });

  it('shows each position as it was meant', () => {
    expect([null, T1, [T1, T2]].map(topicPositionText)).toEqual(['*', T1, `${T1} or ${T2}`]);
  });
});

describe('the live head reconnecting', () => {
  it('waits half to all of 1 s doubling per failure, never more than 30 s', () => {
    expect([1, 2, 3, 4].map((failures) => retryDelayMs(failures, 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((failures) => retryDelayMs(failures, 0.999_999))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(50, 0.999_999)).toBe(30_000);
    expect(retryDelayMs(50, 0)).toBe(15_000);
  });
});
