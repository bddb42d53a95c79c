import { describe, expect, it } from 'vitest';
import {
  errorResponse,
  parseJsonRpcBody,
  readEntry,
  readUpstreamResponse,
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
