/**
 * Passwords, session tokens, invitation tokens and API-key secrets never appear in a log line, in any response
 * after the one that created them, or in any table item.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanItems } from '../../support/table-scan.ts';
import { OPERATOR, startTestApi, type TestApi } from '../../support/test-api.ts';

let api: TestApi;
const secrets: string[] = [];
const laterResponses: string[] = [];

beforeAll(async () => {
  api = await startTestApi();
  const owner = await api.signup('Owner');
  secrets.push(owner.password, owner.token);
  const login = await api.call('POST', '/v1/auth/login', { body: { email: owner.email, password: owner.password } });
  secrets.push(login.json.token);
  const org = await api.createOrg(owner.token);
  const key = await api.createApiKey(owner.token, org.id);
  secrets.push(key.secret);
  const invitee = await api.signup('Invitee');
  secrets.push(invitee.password, invitee.token);
  const invite = await api.call('POST', `/v1/orgs/${org.id}/invitations`, {
    token: owner.token,
    body: { email: invitee.email },
  });
  secrets.push(invite.json.token);
  secrets.push(OPERATOR.password);

  // Use every credential, through every way it can be sent, then read everything back.
  const reads = [
    await api.call('POST', `/v1/invitations/${invite.json.token}/accept`, { token: invitee.token }),
    await api.call('GET', `/v1/orgs/${org.id}`, { apiKey: key.secret }),
    await api.call('GET', `/v1/orgs/${org.id}/audit`, { token: key.secret }),
    await api.call('GET', '/v1/me', { headers: { cookie: `carechain_session=${owner.token}` } }),
    await api.call('GET', `/v1/orgs/${org.id}/api-keys`, { token: owner.token }),
    await api.call('GET', `/v1/orgs/${org.id}/invitations`, { token: owner.token }),
    await api.call('GET', `/v1/orgs/${org.id}/members`, { token: owner.token }),
    await api.call('GET', `/v1/orgs/${org.id}/audit`, { token: owner.token }),
    await api.call('POST', '/v1/auth/login', { body: { email: owner.email, password: 'wrong password here' } }),
    await api.call('GET', '/v1/ops/orgs', { token: await api.loginOperator() }),
  ];
  laterResponses.push(...reads.map((r) => r.text + JSON.stringify([...r.headers.entries()])));
});
afterAll(() => api.close());

describe('secrets', () => {
  it('collected the secrets and the evidence to scan', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    expect(api.logLines.length).toBeGreaterThan(10);
  });

  it('are absent from every log line', () => {
    const logs = api.logLines.join('\n');
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });

  it('are absent from every response after the one that created them', () => {
    const all = laterResponses.join('\n');
    for (const secret of secrets) expect(all).not.toContain(secret);
  });

  it('are absent from every table item', async () => {
    const stored = await scanItems(api.table);
    const items = JSON.stringify(stored);
    expect(stored.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(items).not.toContain(secret);
  });
});
