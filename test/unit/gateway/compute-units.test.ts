import { describe, expect, it } from 'vitest';
import { usageOf } from '../../../functions/gateway/compute-units.ts';
import {
  computeUnits,
  DEFAULT_COMPUTE_UNITS,
  hourOf,
  hoursBetween,
  isHourKey,
  RPC_COMPUTE_UNITS,
} from '../../../shared/domain/metering.ts';

describe('compute units', () => {
  it.each([
    ['eth_chainId', 1],
    ['eth_blockNumber', 5],
    ['eth_getBalance', 10],
    ['eth_getBlockByNumber', 15],
    ['eth_call', 25],
    ['eth_getLogs', 50],
    ['eth_sendRawTransaction', 250],
  ])('weighs %s at %i when the node answers', (method, weight) => {
    expect(computeUnits(method, 'upstream')).toBe(weight);
  });

  it('charges methods the table does not list the default weight', () => {
    expect(computeUnits('eth_somethingNew', 'upstream')).toBe(DEFAULT_COMPUTE_UNITS);
  });

  it('charges nothing for errors', () => {
    expect(computeUnits('eth_sendRawTransaction', 'error')).toBe(0);
  });

  it('charges a quarter of the weight, rounded up and at least 1, for a cache hit', () => {
    expect(computeUnits('eth_getBlockByNumber', 'cache')).toBe(4);
    expect(computeUnits('eth_chainId', 'cache')).toBe(1);
    expect(computeUnits('eth_getLogs', 'cache')).toBe(13);
  });

  it('has a positive whole weight for every listed method', () => {
    for (const weight of Object.values(RPC_COMPUTE_UNITS)) {
      expect(Number.isInteger(weight) && weight > 0).toBe(true);
    }
  });

  it('meters a batch call by call, errors and invalid entries excluded', () => {
    expect(
      usageOf([
        { method: 'eth_blockNumber', outcome: 'upstream' },
        { method: 'eth_getBalance', outcome: 'upstream' },
        { method: 'eth_chainId', outcome: 'cache' },
        { method: 'admin_peers', outcome: 'error' },
        { method: undefined, outcome: 'error' },
      ]),
    ).toEqual({ requests: 3, computeUnits: 5 + 10 + 1 });
  });
});

describe('usage hours', () => {
  it('keys an instant by its UTC hour', () => {
    expect(hourOf(new Date('2026-11-24T20:59:59.999Z'))).toBe('2026-11-24T20:00Z');
    expect(hourOf(new Date('2026-11-24T21:00:00.000Z'))).toBe('2026-11-24T21:00Z');
    expect(isHourKey('2026-11-24T21:00Z')).toBe(true);
    expect(isHourKey('2026-11-24T21:30Z')).toBe(false);
    expect(isHourKey('2026-13-24T21:00Z')).toBe(false);
  });

  it('lists the hours that overlap a half-open range', () => {
    expect(hoursBetween(new Date('2026-11-24T20:30Z'), new Date('2026-11-24T22:00Z'))).toEqual([
      '2026-11-24T20:00Z',
      '2026-11-24T21:00Z',
    ]);
    expect(hoursBetween(new Date('2026-11-24T20:30Z'), new Date('2026-11-24T22:00:01Z'))).toHaveLength(3);
  });
});
