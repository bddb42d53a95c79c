/**
 * The follower's transport to the nodes (Node's own HTTP client) against a real HTTP server: what a node answers
 * comes back parsed with its numbers exact; credentials in a node URL go as Basic auth, never in the request line;
 * each failure is sorted as the gateway's other transport sorts it: too slow, unreachable, not JSON; connections
 * are kept alive between exchanges. A redirect is not followed.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLosslessNumber } from '../../../functions/gateway/exact-json.ts';
import { HttpUpstream } from '../../../functions/gateway/http-upstream.ts';
import {
  UpstreamProtocolError,
  UpstreamTimeoutError,
  UpstreamUnreachableError,
} from '../../../functions/gateway/rpc-transport.ts';

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

describe('HttpUpstream', () => {
  it('posts the body and returns the answer parsed, its numbers exact', async () => {
    const answer = (await new HttpUpstream({ timeoutMs: 2000 }).post(`${origin}/rpc?x=1`, '{"id":1}')) as {
      result: { number: string; difficulty: unknown };
    };
    expect(answer.result.number).toBe('0x10');
    expect(isLosslessNumber(answer.result.difficulty)).toBe(true);
    expect(String(answer.result.difficulty)).toBe('123456789012345678901234567890');
    expect(seen.at(-1)).toMatchObject({ url: '/rpc?x=1', body: '{"id":1}', authorization: undefined });
  });

  it('sends credentials in the node URL as Basic auth', async () => {
    const url = new URL(`${origin}/rpc`);
    url.username = 'besu';
    url.password = 'p@ss word';
    await new HttpUpstream({ timeoutMs: 2000 }).post(url.toString(), '{}');
    expect(seen.at(-1)?.url).toBe('/rpc');
    expect(seen.at(-1)?.authorization).toBe(`Basic ${Buffer.from('besu:p@ss word').toString('base64')}`);
  });

  it('sorts each failure as the gateway answers it', async () => {
    const upstream = new HttpUpstream({ timeoutMs: 300 });
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
    const upstream = new HttpUpstream({ timeoutMs: 2000 });
    const before = seen.length;
    await expect(upstream.post(`${origin}/moved`, '{}')).rejects.toThrow(
      new UpstreamProtocolError('The node answered HTTP 307 without a JSON body'),
    );
    expect(seen.slice(before).map((request) => request.url)).toEqual(['/moved']);
    await upstream.close();
    await expect(upstream.post(`${origin}/rpc`, '{}')).rejects.toBeInstanceOf(UpstreamUnreachableError);
  });

  it('keeps connections alive between exchanges', async () => {
    const upstream = new HttpUpstream({ timeoutMs: 2000 });
    const before = connections;
    for (let i = 0; i < 5; i++) await upstream.post(`${origin}/rpc`, `{"id":${i}}`);
    expect(connections - before).toBe(1);
    await upstream.close();
  });

  it('ends only the exchange past its deadline, not before it, nor those that started after it', async () => {
    const upstream = new HttpUpstream({ timeoutMs: 1000 });
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
