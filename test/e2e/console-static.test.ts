/**
 * How the local server serves the console beside the API: files from console/dist, index.html for the console's
 * own addresses, and never anything in front of the API, the gateway, the docs or the webhooks.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PATH_PREFIXES, withConsole } from '../../functions/local/console-static.ts';

const INDEX = '<!doctype html><div id="root"></div>';
const ASSET = 'console.log("console")';

let root: string;
let dist: string;
const seenByApp: string[] = [];

function apiFetch(request: Request): Response {
  seenByApp.push(`${request.method} ${new URL(request.url).pathname}`);
  return new Response('{"from":"api"}', { status: 404, headers: { 'content-type': 'application/problem+json' } });
}

function get(path: string, init: RequestInit = {}) {
  const serve = withConsole(apiFetch, { distDir: dist });
  return serve(new Request(`http://localhost${path}`, init));
}

const page = { headers: { accept: 'text/html,application/xhtml+xml' } };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'console-static-'));
  dist = join(root, 'dist');
  await mkdir(join(dist, 'assets'), { recursive: true });
  await writeFile(join(dist, 'index.html'), INDEX);
  await writeFile(join(dist, 'assets', 'index-abc123.js'), ASSET);
  await writeFile(join(dist, 'favicon.svg'), '<svg/>');
  // Files named like API paths must never answer in the API's place.
  await writeFile(join(dist, 'health'), 'not the health route');
  await mkdir(join(dist, 'v1'), { recursive: true });
  await writeFile(join(dist, 'v1', 'me'), 'not the me route');
  await writeFile(join(root, 'secret.txt'), 'outside the console');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('serving the console', () => {
  it('answers / with index.html, uncached and under a strict content security policy', async () => {
    const response = await get('/', page);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(INDEX);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('serves hashed assets as immutable with their content type', async () => {
    const response = await get('/assets/index-abc123.js');
    expect(await response.text()).toBe(ASSET);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toContain('immutable');
    expect((await get('/favicon.svg')).headers.get('content-type')).toBe('image/svg+xml');
  });

  it.each(['/orgs/org_aaaaaaaaaaaaaaaaaaaa/nodes', '/invitations/cci_abc-DEF_123', '/login', '/ops/fleet'])(
    'answers the console address %s with index.html',
    async (path) => {
      const response = await get(path, page);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(INDEX);
    },
  );

  it('answers a HEAD with the headers and no body', async () => {
    const response = await get('/login', { method: 'HEAD', headers: page.headers });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toBe('');
  });

  it.each([
    '/v1',
    '/v1/me',
    '/v1/openapi.json',
    '/rpc/node_aaaaaaaaaaaaaaaaaaaa',
    '/docs',
    '/docs/assets/swagger-ui.css',
    '/health',
    '/webhooks/stripe',
    '/metrics',
  ])('leaves %s to the API, even for a browser and even when dist holds a file of that name', async (path) => {
    seenByApp.length = 0;
    const response = await get(path, page);
    expect(await response.json()).toEqual({ from: 'api' });
    expect(seenByApp).toEqual([`GET ${path}`]);
  });

  it('covers every API prefix the platform serves', () => {
    expect([...API_PATH_PREFIXES].sort()).toEqual(['/docs', '/health', '/metrics', '/rpc', '/v1', '/webhooks']);
  });

  it('leaves writes to the API, wherever they go', async () => {
    seenByApp.length = 0;
    await get('/', { method: 'POST', body: '{}' });
    await get('/orgs/x', { method: 'DELETE' });
    expect(seenByApp).toEqual(['POST /', 'DELETE /orgs/x']);
  });

  it('lets a missing asset that a script asks for be a 404 from the API, not index.html', async () => {
    seenByApp.length = 0;
    const response = await get('/assets/index-gone.js', { headers: { accept: '*/*' } });
    expect(response.status).toBe(404);
    expect(seenByApp).toEqual(['GET /assets/index-gone.js']);
  });

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%00index.html'])(
    'never serves a file outside the console for %s',
    async (path) => {
      const response = await get(path, { headers: { accept: '*/*' } });
      expect(await response.text()).not.toContain('outside the console');
    },
  );
});

describe('serving the console before it is built', () => {
  it('tells a browser how to build it and still answers the API', async () => {
    const serve = withConsole(apiFetch, { distDir: join(root, 'missing-dist') });
    const response = await serve(new Request('http://localhost/orgs/x', page));
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('npm run build:console');
    seenByApp.length = 0;
    await serve(new Request('http://localhost/v1/me', page));
    expect(seenByApp).toEqual(['GET /v1/me']);
  });
});
