/**
 * Items as DynamoDB attribute values (shared/store/table-attributes.ts): written as the table wrote them through
 * lib-dynamodb's document client (undefined attributes left out, class instances refused), read back unchanged.
 */
import { describe, expect, it } from 'vitest';
import { attributesOf, itemOf, valuesOf } from '../../../shared/store/table-attributes.ts';

const ITEM = {
  pk: 'ORG#org_1',
  sk: 'NODE#node_1',
  version: 3,
  enabled: true,
  note: null,
  missing: undefined,
  ratio: 0.25,
  tags: ['validator', 'qbft'],
  settings: { mode: 'block', limits: { perSecond: 50, burst: [1, 2] }, gone: undefined },
  outbox: [{ event: { id: 'evt_1', type: 'node.running' }, key: undefined }],
};

describe('table attributes', () => {
  it('writes each kind of value as its DynamoDB type, leaving undefined attributes out at every depth', () => {
    expect(attributesOf(ITEM)).toEqual({
      pk: { S: 'ORG#org_1' },
      sk: { S: 'NODE#node_1' },
      version: { N: '3' },
      enabled: { BOOL: true },
      note: { NULL: true },
      ratio: { N: '0.25' },
      tags: { L: [{ S: 'validator' }, { S: 'qbft' }] },
      settings: {
        M: {
          mode: { S: 'block' },
          limits: { M: { perSecond: { N: '50' }, burst: { L: [{ N: '1' }, { N: '2' }] } } },
        },
      },
      outbox: { L: [{ M: { event: { M: { id: { S: 'evt_1' }, type: { S: 'node.running' } } } } }] },
    });
  });

  it('reads an item back as it was written, less its undefined attributes', () => {
    const { missing: _missing, ...stored } = ITEM;
    const { gone: _gone, ...settings } = ITEM.settings;
    expect(itemOf(attributesOf(ITEM))).toEqual({
      ...stored,
      settings,
      outbox: [{ event: ITEM.outbox[0]?.event }],
    });
  });

  it('refuses a class instance rather than writing it as a map', () => {
    expect(() => attributesOf({ pk: 'a', sk: 'b', at: new Date(0) })).toThrow();
  });

  it('gives no expression values for none, which DynamoDB refuses as an empty map', () => {
    expect(valuesOf(undefined)).toBeUndefined();
    expect(valuesOf({})).toBeUndefined();
    expect(valuesOf({ ':next': 2 })).toEqual({ ':next': { N: '2' } });
  });

  it('reads no item as undefined', () => {
    expect(itemOf(undefined)).toBeUndefined();
  });
});
