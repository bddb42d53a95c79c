/**
 * Field errors read as plain words a hospital's administrator understands, for every route: what to enter, not
 * zod's programmer English ("Too small: expected string to have >=2 characters"). A schema's own words win.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

let api: TestApi;
let token: string;

beforeAll(async () => {
  api = await startTestApi();
  token = (await api.signup()).token;
});
afterAll(() => api.close());

async function fieldErrors(
  method: string,
  path: string,
  body: Record<string, unknown>,
): Promise<Record<string, string>> {
  const res = await api.call(method, path, { token, body });
  expect(res.status).toBe(400);
  return Object.fromEntries((res.json.errors as { path: string; message: string }[]).map((e) => [e.path, e.message]));
}

describe('plain field errors', () => {
  it('says how long a name must be, that a field is required, and which choices there are', async () => {
    expect(await fieldErrors('POST', '/v1/orgs', { name: 'A', country: 'se' })).toEqual({
      'body.name': 'Use at least 2 characters',
      'body.type': 'Required',
      'body.country': 'An ISO 3166-1 alpha-2 code, e.g. SE',
    });
    const enumError = await fieldErrors('POST', '/v1/orgs', { name: 'Region Skåne', type: 'clinic' });
    expect(enumError['body.type']).toMatch(/^Choose one of: hospital, care_provider, pharmacy/);
    expect(await fieldErrors('POST', '/v1/orgs', { name: 'x'.repeat(121), type: 'hospital' })).toEqual({
      'body.name': 'Use at most 120 characters',
    });
  });

  it('asks for a whole number in range and an e-mail address, and keeps a schema’s own words', async () => {
    const operator = await api.loginOperator();
    const network = await api.call('POST', '/v1/networks', {
      token: operator,
      body: { name: 'plain-words', chainId: 1.5, blockPeriodSeconds: 0 },
    });
    expect(network.status).toBe(400);
    expect(network.json.errors).toEqual(
      expect.arrayContaining([
        { path: 'body.chainId', message: 'Enter a whole number' },
        { path: 'body.blockPeriodSeconds', message: 'Use a number of at least 1' },
      ]),
    );
    const signup = await api.call('POST', '/v1/auth/signup', {
      body: { email: 'not-an-address', password: 'short', name: 'Anna' },
    });
    expect(signup.json.errors).toEqual([
      { path: 'body.email', message: 'Enter an e-mail address, such as name@hospital.se' },
      // The schema's own words stay.
      { path: 'body.password', message: 'Use at least 12 characters' },
    ]);
  });

  it('never shows zod’s own English for any of these', async () => {
    const res = await api.call('POST', '/v1/orgs', { token, body: { name: '', type: 3, extra: true } });
    expect(res.text).not.toMatch(/Too small|Too big|Invalid input|expected string|received/);
  });
});
