/**
 * Specification of exact-json.ts: JSON read and written back with every number's text unchanged, on the native
 * parser whenever it cannot change a number, refusing exactly what `JSON.parse` refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isLosslessNumber,
  mayChangeNumbers,
  parseJson,
  parseJsonOfFewNumbers,
  stringifyJson,
} from '../../../functions/gateway/exact-json.ts';

describe('numbers written back as they were read', () => {
  it.each([
    ['an integer above 2^53', '[9007199254740993]'],
    ['an integer below -2^53', '[-9007199254740993]'],
    ['a 30-digit integer', '{"n":123456789012345678901234567890}'],
    ['a trailing zero', '[0.10]'],
    ['an integer with a fraction', '[1.0,0.0]'],
    ['exponents', '[1e2,1E+2,2.5e-3,1e-400]'],
    ['an exponent beyond a double', '[1e400]'],
    ['minus zero', '[-0]'],
    ['a fraction longer than a double holds', '[0.12345678901234567890123]'],
    ['a bare number', '9007199254740993'],
    ['a bare fraction', '1.0'],
    ['nested', '{"a":{"b":[0.0,{"c":18446744073709551616}]},"d":"1.0"}'],
    ['ordinary numbers', '[0,7,-3,1.5,0.1,9007199254740991,1e-7]'],
    ['no numbers', '{"a":["0x1",true,null,"x"]}'],
  ])('%s: %s', (_, text) => {
    expect(stringifyJson(parseJson(text))).toBe(text);
  });

  it('keeps numbers a double writes back unchanged as plain numbers, even beside exact ones', () => {
    expect(parseJson('[7,1.5,0.1,-3,9007199254740991,9007199254740993]')).toEqual([
      7,
      1.5,
      0.1,
      -3,
      9007199254740991,
      expect.objectContaining({ value: '9007199254740993' }),
    ]);
  });

  it('holds a number a double would change as its text', () => {
    const [big] = parseJson('[9007199254740993]') as unknown[];
    expect(isLosslessNumber(big)).toBe(true);
    expect(String(big)).toBe('9007199254740993');
  });

  it('writes any number token back as it was, wherever it stands and whatever whitespace surrounds it (property)', () => {
    const token = fc.stringMatching(/^-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,25})?([eE][+-]?[0-9]{1,3})?$/);
    const space = fc.constantFrom('', ' ', '\n\t', '\r\n  ');
    fc.assert(
      fc.property(token, space, space, (number, before, after) => {
        const text = `[${before}${number}${after},{"k":${before}${number}${after}},[${before}${number}]]`;
        return stringifyJson(parseJson(text)) === `[${number},{"k":${number}},[${number}]]`;
      }),
      { numRuns: 500 },
    );
  });

  it('writes plain values exactly as JSON.stringify does', () => {
    const value = { a: [1, 'x', null, true], b: { c: 1.5 }, d: undefined };
    expect(stringifyJson(value)).toBe(JSON.stringify(value));
  });
});

describe('the same language as JSON.parse', () => {
  it.each([
    '[1.5, 01]',
    '[1.5, 1.]',
    '[1.5, .5]',
    '[1.5, +1]',
    '[1.5, NaN]',
    '[1.5, 1e]',
    '[1.5,]',
    '[1.5] x',
    '[1.5, "\u0001"]',
    '\ufeff[1.5]',
    '',
  ])('refuses %j', (text) => {
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(() => parseJson(text)).toThrow(SyntaxError);
  });

  it.each([
    ['{"a":1.5,"a":2.5}', { a: 2.5 }],
    ['{"__proto__":1.5}', JSON.parse('{"__proto__":1.5}')],
    [' [1.5 , "\\ud800" , "\\u00e9"]\n', [1.5, '\ud800', 'é']],
  ])('reads %j as JSON.parse does', (text, value) => {
    expect(parseJson(text)).toEqual(value);
  });
});

describe('which texts take the exact parser', () => {
  it.each([
    '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}',
    '{"jsonrpc":"2.0","id":"a","method":"eth_getBalance","params":["0x70997970C51812dc3A010C7d01b50e0d17dc79C8","latest"]}',
    '{"jsonrpc":"2.0","id":1,"result":{"number":"0x1e5","hash":"0x1e2e3"}}',
    '[{"jsonrpc":"2.0","id":999999999999999,"result":"0x1"}]',
  ])('none for %s', (text) => {
    expect(mayChangeNumbers(text)).toBe(false);
  });

  it.each([
    '{"id":1.0}',
    '{"id": 1e2}',
    '{"id":-0}',
    '{"id":9007199254740993}',
    '{"id":1000000000000000}',
    '[\n\t0.5]',
    '{"id" :\r\n -0 }',
    '7',
  ])('the exact parser for %s', (text) => {
    expect(mayChangeNumbers(text)).toBe(true);
  });

  it('checks the text of a large answer only when the parts that matter hold a number', () => {
    const inString = '{"id":1,"result":"ratio: 0.0"}';
    expect(parseJsonOfFewNumbers(inString, () => false)).toEqual({ id: 1, result: 'ratio: 0.0' });
    const inResult = '{"id":1,"result":{"gasUsedRatio":[0.0]}}';
    expect(stringifyJson(parseJsonOfFewNumbers(inResult, () => false))).toBe('{"id":1,"result":{"gasUsedRatio":[0]}}');
    expect(stringifyJson(parseJsonOfFewNumbers(inResult, () => true))).toBe(inResult);
  });
});
