/**
 * Both transports to the nodes (undici's pool for request-time traffic, Node's own HTTP client for the follower)
 * against a real HTTP server, held to the same behaviour: what a node answers comes back parsed with its numbers
 * exact; credentials in a node URL go as Basic auth, never in the request line; each failure is sorted the same way:
 * too slow, unreachable, not JSON; connections are kept alive between exchanges; a redirect is not followed; a slow
 * exchange ends at its deadline without ending the others. The gateway's pool comes from undici's own module for it,
 * which must stay the class undici exports.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import PoolModule from 'undici/lib/dispatcher/pool.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLosslessNumber } from '../../../functions/gateway/exact-json.ts';
import { HttpUpstream } from '../../../functions/gateway/http-upstream.ts';
import {
  type RpcTransport,
  UpstreamProtocolError,
  UpstreamTimeoutError,
  UpstreamUnreachableError,
} from '../../../functions/gateway/rpc-transport.ts';
import { RpcUpstream } from '../../../functions/gateway/upstream.ts';

let server: Server;
let origin: string;
let connections = 0;
const seen: { url: string | undefined; authorization: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      seen.push({ url: req.url, authorization: req.headers.authorization, body });
      if (req.url === '/slow') return; // never answers
      if (req.url === '/html') {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body>Bad gateway</body></html>');
        return;
      }
      if (req.url === '/chunked') {
        // An answer in pieces, one of them cut inside a two-byte character.
        const whole = Buffer.from(`{"jsonrpc":"2.0","id":1,"result":"${'å'.repeat(40_000)}"}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(whole.subarray(0, 35));
        res.write(whole.subarray(35, 50_001));
        res.end(whole.subarray(50_001));
        return;
      }
      if (req.url === '/moved') {
        res.writeHead(307, { location: '/rpc' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"jsonrpc":"2.0","id":1,"result":{"number":"0x10","difficulty":123456789012345678901234567890}}');
    });
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/**
 * Each transport, and the connections ten exchanges in a row open: undici waits one turn of the event loop before it
 * reuses a socket (a server may close one it said it would keep), so an exchange sent as soon as the last one is
 * answered takes a second connection, and the two then take turns.
 */
const TRANSPORTS: readonly (readonly [string, (options: { timeoutMs: number }) => RpcTransport, number])[] = [
  ['RpcUpstream (undici pool)', (options) => new RpcUpstream(options), 2],
  ['HttpUpstream (node:http)', (options) => new HttpUpstream(options), 1],
];

it("takes the gateway's pool from undici's own module, the class undici exports", () => {
  expect(PoolModule).toBe(Pool);
});

describe.each(TRANSPORTS)('%s', (_name, transport, connectionsInTurn) => {
  it('posts the body and returns the answer parsed, its numbers exact', async () => {
    const answer = (await transport({ timeoutMs: 2000 }).post(`${origin}/rpc?x=1`, '{"id":1}')) as {
      result: { number: string; difficulty: unknown };
    };
    expect(answer.result.number).toBe('0x10');
    expect(isLosslessNumber(answer.result.difficulty)).toBe(true);
    expect(String(answer.result.difficulty)).toBe('123456789012345678901234567890');
    expect(seen.at(-1)).toMatchObject({ url: '/rpc?x=1', body: '{"id":1}', authorization: undefined });
  });

  it('puts an answer that arrives in pieces back together, characters cut between pieces included', async () => {
    const upstream = transport({ timeoutMs: 2000 });
    const answer = (await upstream.post(`${origin}/chunked`, '{}')) as { result: string };
    expect(answer.result).toBe('å'.repeat(40_000));
    await upstream.close();
  });

  it('sends credentials in the node URL as Basic auth', async () => {
    const url = new URL(`${origin}/rpc`);
    url.username = 'besu';
    url.password = 'p@ss word';
    await transport({ timeoutMs: 2000 }).post(url.toString(), '{}');
    expect(seen.at(-1)?.url).toBe('/rpc');
    expect(seen.at(-1)?.authorization).toBe(`Basic ${Buffer.from('besu:p@ss word').toString('base64')}`);
  });

  it('sorts each failure as the gateway answers it', async () => {
    const upstream = transport({ timeoutMs: 300 });
    await expect(upstream.post(`${origin}/slow`, '{}')).rejects.toBeInstanceOf(UpstreamTimeoutError);
    await expect(upstream.post(`${origin}/html`, '{}')).rejects.toThrow(
      new UpstreamProtocolError('The node answered HTTP 502 without a JSON body'),
    );
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(upstream.post(`http://127.0.0.1:${port}/`, '{}')).rejects.toBeInstanceOf(UpstreamUnreachableError);
  });

  it('does not follow a redirect, and refuses calls once closed', async () => {
    const upstream = transport({ timeoutMs: 2000 });
    const before = seen.length;
    await expect(upstream.post(`${origin}/moved`, '{}')).rejects.toThrow(
      new UpstreamProtocolError('The node answered HTTP 307 without a JSON body'),
    );
    expect(seen.slice(before).map((request) => request.url)).toEqual(['/moved']);
    await upstream.close();
    await expect(upstream.post(`${origin}/rpc`, '{}')).rejects.toBeInstanceOf(UpstreamUnreachableError);
  });

  it('keeps connections alive between exchanges', async () => {
    const upstream = transport({ timeoutMs: 2000 });
    const before = connections;
    for (let i = 0; i < 10; i++) await upstream.post(`${origin}/rpc`, `{"id":${i}}`);
    expect(connections - before).toBe(connectionsInTurn);
    await upstream.close();
  });

  it('ends only the exchange past its deadline, not before it, nor those that started after it', async () => {
    const upstream = transport({ timeoutMs: 1000 });
    let settled = false;
    const failure = upstream.post(`${origin}/slow`, '{}').then(
      () => undefined,
      (error: unknown) => error,
    );
    void failure.finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    const quick = await Promise.all(Array.from({ length: 8 }, (_, i) => upstream.post(`${origin}/rpc`, `{"id":${i}}`)));
    expect(quick).toHaveLength(8);
    expect(await failure).toBeInstanceOf(UpstreamTimeoutError);
    expect(await upstream.post(`${origin}/rpc`, '{}')).toMatchObject({ result: { number: '0x10' } });
    await upstream.close();
  });
});
