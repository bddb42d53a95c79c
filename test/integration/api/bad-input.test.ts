/**
 * Bad input of every kind gets a 4xx problem+json, never a 500, and changes nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

let api: TestApi;
let token: string;
let orgId: string;
let postRoutes: string[];

beforeAll(async () => {
  api = await startTestApi({ bodyLimitBytes: 16_384 });
  const user = await api.signup();
  token = user.token;
  orgId = (await api.createOrg(token)).id;
  const doc = (await api.call('GET', '/v1/openapi.json')).json as {
    paths: Record<string, Record<string, { requestBody?: unknown }>>;
  };
  // Every POST route that takes a body (logout and accept take none, and would end this test's session).
  postRoutes = Object.entries(doc.paths)
    .filter(([, operations]) => operations.post?.requestBody !== undefined)
    .map(([path]) =>
      path.replace('{orgId}', orgId).replace(/\{(\w+)\}/g, (_, name: string) => `${name}-that-does-not-exist`),
    );
});
afterAll(() => api.close());

function expectProblem(res: { status: number; headers: Headers; json: { status?: number; type?: string } }) {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.json.status).toBe(res.status);
  expect(res.json.type).toMatch(/^https:\/\/carechain\.se\/problems\//);
}

describe('bad input', () => {
  it('finds POST routes to attack', async () => {
    expect((await api.call('GET', '/v1/me', { token })).status).toBe(200);
    expect(postRoutes).toEqual(expect.arrayContaining(['/v1/orgs', '/v1/auth/signup', `/v1/orgs/${orgId}/api-keys`]));
  });

  it('answers malformed JSON with 400', async () => {
    for (const path of postRoutes) {
      expectProblem(await api.call('POST', path, { token, body: '{"name": "unterminated' }));
    }
  });

  it('answers a body without a JSON content type with 415', async () => {
    const res = await api.call('POST', '/v1/orgs', {
      token,
      body: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectProblem(res);
    expect(res.status).toBe(415);
  });

  it('lists every wrong field, including unknown ones', async () => {
    const res = await api.call('POST', '/v1/orgs', {
      token,
      body: { name: 42, type: 'hospital', country: 'Sweden', admin: true },
    });
    expectProblem(res);
    expect(res.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body', 'body.country', 'body.name']);
  });

  it('refuses oversized bodies with 413', async () => {
    const res = await api.call('POST', '/v1/orgs', { token, body: { name: 'x'.repeat(20_000), type: 'hospital' } });
    expectProblem(res);
    expect(res.status).toBe(413);
  });

  it('answers ids of the wrong shape with 400 and unknown ids with 404', async () => {
    const wrongShape = await api.call('GET', '/v1/orgs/../../etc/passwd', { token });
    expectProblem(wrongShape);
    const badId = await api.call('GET', '/v1/orgs/not-an-org-id', { token });
    expectProblem(badId);
    expect(badId.status).toBe(400);
    const unknown = await api.call('GET', '/v1/orgs/org_aaaaaaaaaaaaaaaaaaaa', { token });
    expect(unknown.status).toBe(404);
    const badCursor = await api.call('GET', `/v1/orgs/${orgId}/audit?cursor=bm90LWEtY3Vyc29y`, { token });
    expectProblem(badCursor);
    const badLimit = await api.call('GET', `/v1/orgs/${orgId}/audit?limit=-3`, { token });
    expectProblem(badLimit);
  });

  it('never answers 500 to generated bodies on any POST route', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...postRoutes),
        fc.oneof(
          fc.jsonValue().map((value) => JSON.stringify(value)),
          fc.string(),
          fc
            .record({ name: fc.anything(), type: fc.anything(), email: fc.anything(), role: fc.anything() })
            .map((v) => {
              try {
                return JSON.stringify(v) ?? 'null';
              } catch {
                return '{}';
              }
            }),
        ),
        async (path, body) => {
          const res = await api.call('POST', path, { token, body });
          expect(res.status, `${path} ${body}`).toBeLessThan(500);
          if (res.status >= 400) expectProblem(res);
        },
      ),
      { numRuns: 150 },
    );
    // The session survived: the refusals were about the bodies, not authentication.
    expect((await api.call('GET', '/v1/me', { token })).status).toBe(200);
  });
});
