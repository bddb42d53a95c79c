/**
 * Oversized request bodies against the real local server (`npm start`'s entry point), from a client that keeps its
 * connections alive and pools them (undici, one connection per origin, so the next request goes on the same socket
 * whenever the server keeps it): each is refused with a clean 413 problem+json, the client's next requests on that
 * pool succeed, and the server logs no unhandled error. Covered for the API and the JSON-RPC gateway, with a
 * declared Content-Length and chunked; a declared body too large to discard closes its connection instead.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCARD_LIMIT_BYTES } from '../../../functions/local/unread-body.ts';
import { http, type LocalServer, memberWithRunningNode, startLocalServer } from '../../support/local-server.ts';

/** Past both the API's body limit (64 KiB by default) and the gateway's (1 MiB). */
const OVERSIZED = Buffer.alloc(2 * 1024 * 1024, 'a');
/** Past what the server discards to keep a connection (DISCARD_LIMIT_BYTES). */
const TOO_LARGE_TO_DISCARD = Buffer.alloc(DISCARD_LIMIT_BYTES * 4, 'a');
const CHAIN_ID_CALL = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] });

let dataDir: string;
let server: LocalServer | undefined;
let rpcPath: string;
const pool = new Agent({ connections: 1, keepAliveTimeout: 60_000 });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'carechain-oversized-'));
  server = await startLocalServer({ dataDir, env: { CARECHAIN_OPERATOR_PASSWORD: 'operator-password-1234' } });
  const { token, orgId, nodeId } = await memberWithRunningNode(server.url, 'Bodies');
  const key = await http(server.url, 'POST', `/v1/orgs/${orgId}/api-keys`, {
    token,
    body: { name: 'rpc', scopes: ['rpc'] },
  });
  rpcPath = `/rpc/${nodeId}/${key.json.secret}`;
}, 60_000);

afterAll(async () => {
  await pool.close();
  await server?.stop('SIGTERM');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** The body in 64 KiB pieces with no declared length: undici sends it chunked. */
function chunked(body: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += 64 * 1024)
    pieces.push(body.subarray(offset, offset + 64 * 1024));
  return Readable.from(pieces);
}

const api = () => '/v1/auth/login';
const gateway = () => rpcPath;
const cases = [
  { target: 'the API', body: 'a 2 MiB Content-Length body', path: api, send: () => OVERSIZED },
  { target: 'the API', body: 'a 2 MiB chunked body', path: api, send: () => chunked(OVERSIZED) },
  { target: 'the gateway', body: 'a 2 MiB Content-Length body', path: gateway, send: () => OVERSIZED },
  { target: 'the gateway', body: 'a 2 MiB chunked body', path: gateway, send: () => chunked(OVERSIZED) },
];

/** Sends the body, expects the 413 problem, then expects the pool to answer the API and the gateway. */
async function refuseThenServe(path: string, body: Buffer | Readable) {
  const refused = await request(`${server?.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    dispatcher: pool,
  });
  expect(refused.statusCode).toBe(413);
  expect(refused.headers['content-type']).toBe('application/problem+json');
  expect((await refused.body.json()) as { status: number }).toMatchObject({ status: 413 });

  const health = await request(`${server?.url}/health`, { dispatcher: pool });
  expect(health.statusCode).toBe(200);
  await health.body.dump();
  const call = await request(`${server?.url}${rpcPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: CHAIN_ID_CALL,
    dispatcher: pool,
  });
  expect(call.statusCode).toBe(200);
  expect(((await call.body.json()) as { result: string }).result).toMatch(/^0x/);
  expect(server?.output()).not.toMatch(/unhandled error|"level":"error"/);
  return refused;
}

describe('oversized bodies on a pooled keep-alive connection', () => {
  it.each(cases)('$target refuses $body with 413 and the pool keeps working', async (testCase) => {
    await refuseThenServe(testCase.path(), testCase.send());
  });

  it('closes the connection of a declared body too large to discard, and the pool keeps working', async () => {
    const refused = await refuseThenServe(api(), TOO_LARGE_TO_DISCARD);
    expect(refused.headers.connection).toBe('close');
  });
});
