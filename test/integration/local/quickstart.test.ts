/**
 * A newcomer's first minutes, against the real local server (`npm start`'s entry point) on a fresh data dir:
 * sign up, create an organisation, invite a colleague who accepts, create an API key that works; then restart
 * the server and find all of it still there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { http, type LocalServer, startLocalServer } from '../../support/local-server.ts';

let dataDir: string;
let server: LocalServer | undefined;

afterAll(async () => {
  await server?.stop('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('quick start', () => {
  it('keeps users, organisations, members and API keys across a restart', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'carechain-quickstart-'));
    server = await startLocalServer({ dataDir });
    expect(server.output()).toMatch(/Operator login: +operator@carechain\.local \/ \S+ +\(generated now/);
    let base = server.url;
    expect((await http(base, 'GET', '/health')).json.status).toBe('ok');

    const alice = await http(base, 'POST', '/v1/auth/signup', {
      body: { email: 'alice@sahlgrenska.example', password: 'alice has a long password', name: 'Alice' },
    });
    expect(alice.status).toBe(201);
    const org = await http(base, 'POST', '/v1/orgs', {
      token: alice.json.token,
      body: { name: 'Sahlgrenska', type: 'hospital' },
    });
    expect(org.status).toBe(201);
    const bob = await http(base, 'POST', '/v1/auth/signup', {
      body: { email: 'bob@sahlgrenska.example', password: 'bob has a long password', name: 'Bob' },
    });
    const invite = await http(base, 'POST', `/v1/orgs/${org.json.id}/invitations`, {
      token: alice.json.token,
      body: { email: 'bob@sahlgrenska.example', role: 'developer' },
    });
    expect(invite.json.acceptUrl.startsWith(base)).toBe(true);
    const accepted = await http(base, 'POST', `/v1/invitations/${invite.json.token}/accept`, { token: bob.json.token });
    expect(accepted.status).toBe(200);
    const key = await http(base, 'POST', `/v1/orgs/${org.json.id}/api-keys`, {
      token: bob.json.token,
      body: { name: 'integration', scopes: ['read'] },
    });
    expect(key.status).toBe(201);
    expect((await http(base, 'GET', `/v1/orgs/${org.json.id}`, { apiKey: key.json.secret })).status).toBe(200);

    await server.stop('SIGTERM');
    server = await startLocalServer({ dataDir });
    base = server.url;
    expect(server.output()).not.toMatch(/generated now/);

    const login = await http(base, 'POST', '/v1/auth/login', {
      body: { email: 'alice@sahlgrenska.example', password: 'alice has a long password' },
    });
    expect(login.status).toBe(200);
    const mine = await http(base, 'GET', '/v1/orgs', { token: login.json.token });
    expect(mine.json.items).toEqual([expect.objectContaining({ id: org.json.id, name: 'Sahlgrenska', role: 'owner' })]);
    const members = await http(base, 'GET', `/v1/orgs/${org.json.id}/members`, { token: login.json.token });
    expect(members.json.items.map((m: { name: string }) => m.name).sort()).toEqual(['Alice', 'Bob']);
    expect((await http(base, 'GET', `/v1/orgs/${org.json.id}`, { apiKey: key.json.secret })).status).toBe(200);
    // A session from before the restart is still valid: sessions live in the table, not in memory.
    expect((await http(base, 'GET', '/v1/me', { token: bob.json.token })).status).toBe(200);
  }, 90_000);
});
