import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../../functions/gateway/exact-json.ts';
import {
  errorResponse,
  parseJsonRpcBody,
  readEntry,
  readUpstreamResponse,
  resultResponse,
} from '../../../functions/gateway/json-rpc.ts';

describe('JSON-RPC bodies', () => {
  it('reads a single call with its id and params', () => {
    expect(parseJsonRpcBody('{"jsonrpc":"2.0","id":7,"method":"eth_blockNumber","params":[]}')).toEqual({
      kind: 'single',
      entry: { valid: true, call: { method: 'eth_blockNumber', params: [], id: 7 } },
    });
  });

  it('tells a notification (no id member) from a call whose id is null', () => {
    const notification = readEntry({ jsonrpc: '2.0', method: 'eth_chainId' });
    const nullId = readEntry({ jsonrpc: '2.0', method: 'eth_chainId', id: null });
    expect(notification).toEqual({ valid: true, call: { method: 'eth_chainId', params: undefined, id: undefined } });
    expect(nullId).toEqual({ valid: true, call: { method: 'eth_chainId', params: undefined, id: null } });
  });

  it('answers text that is not JSON with a parse error', () => {
    expect(parseJsonRpcBody('{"jsonrpc":"2.0","method":')).toEqual({ kind: 'parse-error' });
    expect(parseJsonRpcBody('')).toEqual({ kind: 'parse-error' });
  });

  it('treats an empty array as one invalid request, not as an empty batch', () => {
    expect(parseJsonRpcBody('[]')).toEqual({ kind: 'empty-batch' });
  });

  it('reads each entry of a batch on its own', () => {
    const body = parseJsonRpcBody('[1,{"jsonrpc":"2.0","id":"a","method":"eth_chainId"},{"jsonrpc":"2.0","id":2}]');
    expect(body.kind).toBe('batch');
    if (body.kind !== 'batch') return;
    expect(body.entries).toEqual([
      { valid: false, id: null, message: 'A request must be a JSON object' },
      { valid: true, call: { method: 'eth_chainId', params: undefined, id: 'a' } },
      { valid: false, id: 2, message: 'method must be a string' },
    ]);
  });

  it.each([
    [{ jsonrpc: '1.0', id: 1, method: 'eth_chainId' }, 1, 'jsonrpc must be exactly "2.0"'],
    [{ id: 1, method: 'eth_chainId' }, 1, 'jsonrpc must be exactly "2.0"'],
    [{ jsonrpc: '2.0', id: 'x', method: 1 }, 'x', 'method must be a string'],
    [{ jsonrpc: '2.0', id: 3, method: '' }, 3, 'method must be a string'],
    [{ jsonrpc: '2.0', id: 4, method: 'eth_call', params: 'bar' }, 4, 'params must be an array or an object'],
    [{ jsonrpc: '2.0', id: { nested: true }, method: 'eth_chainId' }, null, 'id must be a string, a number or null'],
    [{ jsonrpc: '2.0', id: [1], method: 'eth_chainId' }, null, 'id must be a string, a number or null'],
    ['a string', null, 'A request must be a JSON object'],
    [null, null, 'A request must be a JSON object'],
  ])('refuses %j as an invalid request answered with id %j', (value, id, message) => {
    expect(readEntry(value)).toEqual({ valid: false, id, message });
  });

  it('accepts params given by name', () => {
    expect(readEntry({ jsonrpc: '2.0', id: 1, method: 'eth_x', params: { a: 1 } })).toEqual({
      valid: true,
      call: { method: 'eth_x', params: { a: 1 }, id: 1 },
    });
  });

  it('writes an error response with the id as given', () => {
    expect(JSON.parse(errorResponse('abc', { code: -32600, message: 'bad' }))).toEqual({
      jsonrpc: '2.0',
      id: 'abc',
      error: { code: -32600, message: 'bad' },
    });
    expect(JSON.parse(errorResponse(null, { code: -32700, message: 'Parse error' })).id).toBeNull();
  });
});

describe('answers from a node', () => {
  it('reads results, including null results', () => {
    expect(readUpstreamResponse({ jsonrpc: '2.0', id: 1, result: null })).toEqual({ id: 1, result: null });
  });

  it('reads errors with a numeric code and keeps every field', () => {
    const error = { code: 3, message: 'execution reverted', data: '0x08c379a0' };
    expect(readUpstreamResponse({ jsonrpc: '2.0', id: 2, error })).toEqual({ id: 2, error });
  });

  it('rejects anything that is not a response', () => {
    expect(readUpstreamResponse({ jsonrpc: '2.0', id: 1 })).toBeUndefined();
    expect(readUpstreamResponse({ jsonrpc: '2.0', result: 1 })).toBeUndefined();
    expect(readUpstreamResponse({ jsonrpc: '2.0', id: 1, error: 'boom' })).toBeUndefined();
    expect(readUpstreamResponse('ok')).toBeUndefined();
  });
});

/** The entry of a body holding one call, for the cases below. */
function onlyEntry(text: string) {
  const body = parseJsonRpcBody(text);
  if (body.kind !== 'single') throw new Error(`expected a single call, got ${body.kind}`);
  return body.entry;
}

const call = (idText: string, params = '[]') =>
  `{"jsonrpc":"2.0","id":${idText},"method":"eth_chainId","params":${params}}`;

describe('ids echoed exactly as sent (JSON-RPC 2.0 §5)', () => {
  it.each([
    ['an integer above 2^53', '9007199254740993'],
    ['an integer below -2^53', '-9007199254740993'],
    ['a 30-digit integer', '123456789012345678901234567890'],
    ['the largest safe integer', '9007199254740991'],
    ['a small integer', '7'],
    ['zero', '0'],
    ['minus zero', '-0'],
    ['a fraction', '1.5'],
    ['a fraction a double cannot hold', '0.1'],
    ['a fraction with a trailing zero', '0.10'],
    ['an integer written with a fraction', '1.0'],
    ['an exponent', '1e2'],
    ['an upper-case exponent with a sign', '1E+2'],
    ['a tiny exponent', '1e-400'],
    ['a string', '"string"'],
    ['a string that looks like a number', '"9007199254740993"'],
    ['null', 'null'],
  ])('answers %s (%s) with the same id text', (_, idText) => {
    const entry = onlyEntry(call(idText));
    if (!entry.valid) throw new Error(entry.message);
    expect(resultResponse(entry.call.id ?? null, '"0x1"')).toBe(`{"jsonrpc":"2.0","id":${idText},"result":"0x1"}`);
    expect(errorResponse(entry.call.id ?? null, { code: -32601, message: 'no' })).toBe(
      `{"jsonrpc":"2.0","id":${idText},"error":{"code":-32601,"message":"no"}}`,
    );
  });

  it.each([
    ['1e400', 'overflows a double'],
    [`1${'0'.repeat(400)}`, 'is an integer beyond the range of a double'],
    ['-1e400', 'overflows a double negatively'],
  ])('refuses the id %s, which %s, as an invalid request with a null id', (idText) => {
    expect(onlyEntry(call(idText))).toEqual({
      valid: false,
      id: null,
      message: 'id must be a string, a number or null',
    });
  });

  it('echoes exact ids in an invalid request, too', () => {
    const entry = onlyEntry('{"jsonrpc":"1.0","id":9007199254740993,"method":"eth_chainId"}');
    expect(entry.valid).toBe(false);
    if (entry.valid) return;
    expect(errorResponse(entry.id, { code: -32600, message: entry.message })).toContain('"id":9007199254740993,');
  });

  it('keeps every id of a batch that mixes exact and ordinary ids', () => {
    const ids = ['9007199254740993', '1', '"a"', '9007199254740995', 'null', '1.0', '-9007199254740993', '0.1'];
    const body = parseJsonRpcBody(`[${ids.map((id) => call(id)).join(',')},{"jsonrpc":"2.0","id":1e2}]`);
    if (body.kind !== 'batch') throw new Error(body.kind);
    const answered = body.entries.map((entry) =>
      entry.valid ? resultResponse(entry.call.id ?? null, 'null') : errorResponse(entry.id, { code: 1, message: '' }),
    );
    expect(answered.map((text) => /"id":([^,]*),/.exec(text)?.[1])).toEqual([...ids, '1e2']);
  });

  it('keeps large and fractional numbers in params when they are written back for the node', () => {
    const params = '[123456789012345678901234567890,{"gas":9007199254740993,"ratio":0.10,"n":-0,"e":1E+2},"0x1",7]';
    const entry = onlyEntry(call('1', params));
    if (!entry.valid) throw new Error(entry.message);
    expect(stringifyJson(entry.call.params)).toBe(params);
  });

  it.each([['1.0'], ['9007199254740993']])('still refuses params that are a number (%s)', (paramsText) => {
    expect(onlyEntry(call('1', paramsText))).toEqual({
      valid: false,
      id: 1,
      message: 'params must be an array or an object',
    });
  });

  it('still refuses batch entries that are numbers, however written', () => {
    const body = parseJsonRpcBody('[1.0,9007199254740993,-0]');
    if (body.kind !== 'batch') throw new Error(body.kind);
    expect(body.entries).toEqual(Array(3).fill({ valid: false, id: null, message: 'A request must be a JSON object' }));
  });

  it('leaves ordinary calls as plain values', () => {
    expect(onlyEntry(call('42', '["0xabc",true,1.5,-3]'))).toEqual({
      valid: true,
      call: { method: 'eth_chainId', params: ['0xabc', true, 1.5, -3], id: 42 },
    });
  });

  it('echoes any string, any integer up to 40 digits and null byte for byte (property)', () => {
    // Uniform over the whole range, so most cases have 30 to 40 digits: far beyond what a double holds.
    const integerText = fc.bigInt({ min: 1n - 10n ** 40n, max: 10n ** 40n - 1n }).map(String);
    const idText = fc.oneof(
      integerText,
      fc.string({ unit: 'binary' }).map((s) => JSON.stringify(s)),
      fc.constant('null'),
    );
    fc.assert(
      fc.property(idText, (idText) => {
        const entry = onlyEntry(call(idText));
        return (
          entry.valid && resultResponse(entry.call.id ?? null, '1') === `{"jsonrpc":"2.0","id":${idText},"result":1}`
        );
      }),
    );
  });
});

describe('answers from a node, numbers kept', () => {
  it('writes a result back with its numbers as the node sent them', () => {
    const text = '{"jsonrpc":"2.0","id":1,"result":{"gasUsedRatio":[0.0,0.10],"big":123456789012345678901234567890}}';
    const response = readUpstreamResponse(parseJson(text));
    if (!response || !('result' in response)) throw new Error('no result');
    expect(response.id).toBe(1);
    expect(stringifyJson(response.result)).toBe('{"gasUsedRatio":[0.0,0.10],"big":123456789012345678901234567890}');
  });

  it("passes a node's error on with its numbers as sent", () => {
    const text = '{"jsonrpc":"2.0","id":3,"error":{"code":-32000,"message":"x","data":{"limit":18446744073709551616}}}';
    const response = readUpstreamResponse(parseJson(text));
    if (!response || !('error' in response)) throw new Error('no error');
    expect(errorResponse(9, response.error)).toBe(
      '{"jsonrpc":"2.0","id":9,"error":{"code":-32000,"message":"x","data":{"limit":18446744073709551616}}}',
    );
  });
});
