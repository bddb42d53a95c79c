import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe('organisations', () => {
  it('creates an organisation with its creator as owner, SE by default', async () => {
    const { token } = await api.signup();
    const res = await api.call('POST', '/v1/orgs', {
      token,
      body: { name: 'Vårdcentral Gröndal', type: 'care_provider' },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      name: 'Vårdcentral Gröndal',
      type: 'care_provider',
      country: 'SE',
      role: 'owner',
    });
    expect(res.json.id).toMatch(/^org_[a-z2-7]{20}$/);
    const mine = await api.call('GET', '/v1/orgs', { token });
    expect(mine.json.items).toEqual([expect.objectContaining({ id: res.json.id, role: 'owner' })]);
    const audit = await api.call('GET', `/v1/orgs/${res.json.id}/audit`, { token });
    expect(audit.json.items[0]).toMatchObject({ action: 'organisation.created', target: res.json.id });
  });

  it('rejects a member category that is not one of the consortium’s', async () => {
    const { token } = await api.signup();
    const res = await api.call('POST', '/v1/orgs', { token, body: { name: 'Bank', type: 'bank' } });
    expect(res.status).toBe(400);
    expect(res.json.errors[0].path).toBe('body.type');
  });
});

describe('invitations and members', () => {
  it('invites a second user who accepts and gets the invited role', async () => {
    const owner = await api.signup('Owner');
    const org = await api.createOrg(owner.token);
    const invitee = await api.signup('Invitee');
    const invite = await api.call('POST', `/v1/orgs/${org.id}/invitations`, {
      token: owner.token,
      body: { email: invitee.email, role: 'developer' },
    });
    expect(invite.status).toBe(201);
    expect(invite.json.acceptUrl).toContain(invite.json.token);
    const listed = await api.call('GET', `/v1/orgs/${org.id}/invitations`, { token: owner.token });
    expect(JSON.stringify(listed.json)).not.toContain(invite.json.token);

    const accepted = await api.call('POST', `/v1/invitations/${invite.json.token}/accept`, { token: invitee.token });
    expect(accepted.status).toBe(200);
    expect(accepted.json).toMatchObject({ id: org.id, role: 'developer' });
    const members = await api.call('GET', `/v1/orgs/${org.id}/members`, { token: invitee.token });
    expect(members.json.items.map((m: { role: string }) => m.role).sort()).toEqual(['developer', 'owner']);
    // Accepting again is harmless; someone else cannot use the same link.
    expect(
      (await api.call('POST', `/v1/invitations/${invite.json.token}/accept`, { token: invitee.token })).status,
    ).toBe(200);
    const stranger = await api.signup('Stranger');
    expect(
      (await api.call('POST', `/v1/invitations/${invite.json.token}/accept`, { token: stranger.token })).status,
    ).toBe(403);
  });

  it('refuses an invitation for another e-mail address and a revoked invitation', async () => {
    const owner = await api.signup();
    const org = await api.createOrg(owner.token);
    const other = await api.signup();
    const invite = await api.call('POST', `/v1/orgs/${org.id}/invitations`, {
      token: owner.token,
      body: { email: 'someone.else@example.se' },
    });
    expect((await api.call('POST', `/v1/invitations/${invite.json.token}/accept`, { token: other.token })).status).toBe(
      403,
    );
    const revoke = await api.call('DELETE', `/v1/orgs/${org.id}/invitations/${invite.json.id}`, { token: owner.token });
    expect(revoke.status).toBe(204);
    const again = await api.call('POST', `/v1/invitations/${invite.json.token}/accept`, { token: other.token });
    expect(again.status).toBe(404);
  });

  it('never removes the last owner, but lets an owner go once another owner exists', async () => {
    const owner = await api.signup();
    const org = await api.createOrg(owner.token);
    const last = await api.call('DELETE', `/v1/orgs/${org.id}/members/${owner.user.id}`, { token: owner.token });
    expect(last.status).toBe(409);
    const demote = await api.call('PATCH', `/v1/orgs/${org.id}/members/${owner.user.id}`, {
      token: owner.token,
      body: { role: 'admin' },
    });
    expect(demote.status).toBe(409);

    const second = await api.signup();
    const invite = await api.call('POST', `/v1/orgs/${org.id}/invitations`, {
      token: owner.token,
      body: { email: second.email, role: 'owner' },
    });
    await api.call('POST', `/v1/invitations/${invite.json.token}/accept`, { token: second.token });
    const leave = await api.call('DELETE', `/v1/orgs/${org.id}/members/${owner.user.id}`, { token: owner.token });
    expect(leave.status).toBe(204);
    const remaining = await api.call('DELETE', `/v1/orgs/${org.id}/members/${second.user.id}`, { token: second.token });
    expect(remaining.status).toBe(409);
  });

  it('keeps admins from granting owner and developers from inviting', async () => {
    const owner = await api.signup();
    const org = await api.createOrg(owner.token);
    const admin = await api.signup();
    const invite = await api.call('POST', `/v1/orgs/${org.id}/invitations`, {
      token: owner.token,
      body: { email: admin.email, role: 'admin' },
    });
    await api.call('POST', `/v1/invitations/${invite.json.token}/accept`, { token: admin.token });
    const ownerInvite = await api.call('POST', `/v1/orgs/${org.id}/invitations`, {
      token: admin.token,
      body: { email: 'x@example.se', role: 'owner' },
    });
    expect(ownerInvite.status).toBe(403);
    const removeOwner = await api.call('DELETE', `/v1/orgs/${org.id}/members/${owner.user.id}`, { token: admin.token });
    expect(removeOwner.status).toBe(403);
  });
});

describe('API keys', () => {
  it('shows the secret once, stores only a prefix, authenticates, and stops working when revoked', async () => {
    const { token } = await api.signup();
    const org = await api.createOrg(token);
    const key = await api.createApiKey(token, org.id, ['read']);
    expect(key.secret).toMatch(/^cck_/);
    expect(key.secret.startsWith(key.prefix)).toBe(true);

    const listed = await api.call('GET', `/v1/orgs/${org.id}/api-keys`, { token });
    expect(listed.json.items).toHaveLength(1);
    expect(JSON.stringify(listed.json)).not.toContain(key.secret);

    const withKey = await api.call('GET', `/v1/orgs/${org.id}`, { apiKey: key.secret });
    expect(withKey.status).toBe(200);
    const withBearer = await api.call('GET', `/v1/orgs/${org.id}/audit`, { token: key.secret });
    expect(withBearer.status).toBe(200);
    const afterUse = await api.call('GET', `/v1/orgs/${org.id}/api-keys`, { token });
    expect(afterUse.json.items[0].lastUsedAt).not.toBeNull();

    expect((await api.call('DELETE', `/v1/orgs/${org.id}/api-keys/${key.id}`, { token })).status).toBe(204);
    expect((await api.call('GET', `/v1/orgs/${org.id}`, { apiKey: key.secret })).status).toBe(401);
    const audit = await api.call('GET', `/v1/orgs/${org.id}/audit`, { token });
    expect(audit.json.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['api-key.created', 'api-key.revoked']),
    );
  });

  it('limits a key to its scopes and keeps keys away from credential management', async () => {
    const { token } = await api.signup();
    const org = await api.createOrg(token);
    const rpcOnly = await api.createApiKey(token, org.id, ['rpc']);
    expect((await api.call('GET', `/v1/orgs/${org.id}`, { apiKey: rpcOnly.secret })).status).toBe(403);
    const writer = await api.createApiKey(token, org.id, ['read', 'write']);
    const mint = await api.call('POST', `/v1/orgs/${org.id}/api-keys`, {
      apiKey: writer.secret,
      body: { name: 'escalate', scopes: ['write'] },
    });
    expect(mint.status).toBe(403);
  });

  it('refuses to let a viewer create keys', async () => {
    const owner = await api.signup();
    const org = await api.createOrg(owner.token);
    const viewer = await api.signup();
    const invite = await api.call('POST', `/v1/orgs/${org.id}/invitations`, {
      token: owner.token,
      body: { email: viewer.email, role: 'viewer' },
    });
    await api.call('POST', `/v1/invitations/${invite.json.token}/accept`, { token: viewer.token });
    const res = await api.call('POST', `/v1/orgs/${org.id}/api-keys`, { token: viewer.token, body: { name: 'mine' } });
    expect(res.status).toBe(403);
  });
});
