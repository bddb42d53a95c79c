import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../functions/api/app.ts';
import {
  LOGIN_FAILURES_ALLOWED,
  LOGIN_FAILURES_ALLOWED_PER_ADDRESS,
} from '../../../functions/api/routes/auth.routes.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe('sign-up and login', () => {
  it('signs up, returns a session token and an HttpOnly cookie', async () => {
    const res = await api.call('POST', '/v1/auth/signup', {
      body: { email: 'Anna.Lind@Karolinska.example', password: 'a long enough password', name: 'Anna Lind' },
    });
    expect(res.status).toBe(201);
    expect(res.json.user.email).toBe('anna.lind@karolinska.example');
    expect(res.json.token).toMatch(/^ccs_/);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toContain('carechain_session=');
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it('refuses a second account with the same e-mail, whatever its case', async () => {
    const res = await api.call('POST', '/v1/auth/signup', {
      body: { email: 'ANNA.LIND@karolinska.example', password: 'another long password', name: 'Imposter' },
    });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('logs in with the right password and is refused with a wrong one', async () => {
    const ok = await api.call('POST', '/v1/auth/login', {
      body: { email: 'anna.lind@karolinska.example', password: 'a long enough password' },
    });
    expect(ok.status).toBe(200);
    const me = await api.call('GET', '/v1/me', { token: ok.json.token });
    expect(me.status).toBe(200);
    expect(me.json.user.name).toBe('Anna Lind');

    const wrong = await api.call('POST', '/v1/auth/login', {
      body: { email: 'anna.lind@karolinska.example', password: 'not the password' },
    });
    expect(wrong.status).toBe(401);
    const unknown = await api.call('POST', '/v1/auth/login', {
      body: { email: 'nobody@karolinska.example', password: 'whatever it is' },
    });
    expect(unknown.status).toBe(401);
    expect(unknown.json.detail).toBe(wrong.json.detail);
  });

  it('accepts the session cookie as well as the bearer token', async () => {
    const { token } = await api.signup();
    const res = await api.call('GET', '/v1/me', { headers: { cookie: `carechain_session=${token}` } });
    expect(res.status).toBe(200);
  });

  it('ends the session on logout: the token stops working at once', async () => {
    const { token } = await api.signup();
    expect((await api.call('POST', '/v1/auth/logout', { token })).status).toBe(204);
    const after = await api.call('GET', '/v1/me', { token });
    expect(after.status).toBe(401);
  });

  it('throttles logins after repeated failures, even with the right password', async () => {
    const { email, password } = await api.signup();
    for (let i = 0; i < LOGIN_FAILURES_ALLOWED; i++) {
      const res = await api.call('POST', '/v1/auth/login', { body: { email, password: `wrong-${i}-password` } });
      expect(res.status).toBe(401);
    }
    const blocked = await api.call('POST', '/v1/auth/login', { body: { email, password } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('throttles one network address trying many accounts, and nobody else', async () => {
    let from = '198.51.100.23';
    const app = createApp({ ...api.deps, clientAddress: () => from });
    const login = async (body: { email: string; password: string }) => {
      const response = await app.request('/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, retryAfter: response.headers.get('retry-after') };
    };
    const { email, password } = await api.signup('Sprayed');
    const victim = { email, password };
    // A few tries per account stay under the per-account limit; the address adds them all up.
    for (let i = 0; i < LOGIN_FAILURES_ALLOWED_PER_ADDRESS; i++) {
      const res = await login({ email: `user-${i % 10}@spray.example`, password: 'Winter2026!Winter2026!' });
      expect(res.status).toBe(401);
    }
    const blocked = await login(victim);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.retryAfter)).toBeGreaterThan(0);

    from = '203.0.113.77';
    expect((await login(victim)).status).toBe(200);
    // A server that cannot tell the address still throttles per account.
    const unknown = createApp({
      ...api.deps,
      clientAddress: () => {
        throw new Error('no connection information');
      },
    });
    const res = await unknown.request('/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(victim),
    });
    expect(res.status).toBe(200);
    // Over thirty logins, each a deliberately slow password check: a minute or more on a shared, loaded machine.
  }, 180_000);

  it('answers 401 to an unknown token and to a malformed Authorization header', async () => {
    expect((await api.call('GET', '/v1/me', { token: 'ccs_not-a-real-token' })).status).toBe(401);
    const res = await api.call('GET', '/v1/me', { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(res.status).toBe(401);
    expect((await api.call('GET', '/v1/me')).status).toBe(401);
  });
});

describe('operators', () => {
  it('lets the configured operator list every organisation, and nobody else', async () => {
    const alice = await api.signup();
    const org = await api.createOrg(alice.token, 'Apotek Norr');
    const opsToken = await api.loginOperator();
    const all = await api.call('GET', '/v1/ops/orgs', { token: opsToken });
    expect(all.status).toBe(200);
    expect(all.json.items.map((o: { id: string }) => o.id)).toContain(org.id);
    expect((await api.call('GET', '/v1/ops/orgs', { token: alice.token })).status).toBe(403);
  });
});
