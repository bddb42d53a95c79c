/**
 * Text that is not well-formed Unicode (an unpaired surrogate, which JSON can carry) and URLs with characters no
 * URI may hold are the caller's mistake: the API answers 400 problem+json naming the field, before ethers, Stripe
 * or a URL client meets them, and well-formed text in any script still goes through.
 */
import { verifyMessage, verifyTypedData } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

let api: TestApi;
let token: string;
let orgId: string;
let key: { id: string; address: string };
let networkId: string;

beforeAll(async () => {
  api = await startTestApi();
  token = (await api.signup()).token;
  orgId = (await api.createOrg(token)).id;
  key = (await api.call('POST', `/v1/orgs/${orgId}/keys`, { token, body: { alias: 'qa' } })).json;
  networkId = (await api.createNetwork()).id;
});
afterAll(() => api.close());

function expectFieldError(res: Awaited<ReturnType<TestApi['call']>>, path: string) {
  expect({ status: res.status, contentType: res.headers.get('content-type') }).toEqual({
    status: 400,
    contentType: 'application/problem+json',
  });
  expect(res.json.type).toBe('https://carechain.se/problems/validation-failed');
  expect(res.json.errors.map((error: { path: string }) => error.path)).toContain(path);
}

const TYPED = {
  domain: { name: 'CareChain Consent', version: '1', chainId: 1_337_777 },
  types: { Consent: [{ name: 'purpose', type: 'string' }] },
  message: { purpose: 'research' },
};

describe('text that is not well-formed Unicode', () => {
  it('is refused by sign-message with a field error, not a 500', async () => {
    const res = await api.call('POST', `/v1/orgs/${orgId}/keys/${key.id}/sign-message`, {
      token,
      body: '{"message":"x\\ud800"}',
    });
    expectFieldError(res, 'body.message');
    expect(res.json.errors[0].message).toMatch(/unpaired surrogate/);
  });

  it('is refused by sign-typed-data at the path of the string, however deep', async () => {
    const cases = [
      { body: { ...TYPED, domain: { ...TYPED.domain, name: 'x\ud800' } }, path: 'body.domain.name' },
      { body: { ...TYPED, message: { purpose: 'x\udfff' } }, path: 'body.message.purpose' },
      { body: { ...TYPED, message: { purpose: 'r', extra: [{ note: '\ud800' }] } }, path: 'body.message.extra.0.note' },
    ];
    for (const { body, path } of cases) {
      expectFieldError(
        await api.call('POST', `/v1/orgs/${orgId}/keys/${key.id}/sign-typed-data`, { token, body }),
        path,
      );
    }
  });

  it('is refused in an organisation name, which Stripe would be sent', async () => {
    expectFieldError(
      await api.call('POST', '/v1/orgs', { token, body: { name: 'Region \ud800', type: 'hospital' } }),
      'body.name',
    );
  });

  it('is refused in the names and descriptions that are stored and shown', async () => {
    const cases = [
      { path: `/v1/orgs/${orgId}/keys`, body: { alias: 'pump', description: '\udc00' }, field: 'body.description' },
      { path: `/v1/orgs/${orgId}/api-keys`, body: { name: 'lab\ud800' }, field: 'body.name' },
      {
        path: `/v1/orgs/${orgId}/nodes`,
        body: { networkId, hosting: 'self-hosted', name: 'n\ud800' },
        field: 'body.name',
      },
    ];
    for (const { path, body, field } of cases) expectFieldError(await api.call('POST', path, { token, body }), field);
    expect(await api.stores.signingKeys.list(orgId)).toHaveLength(1);
  });

  it('in any script, well-formed, is signed as sent', async () => {
    const message = 'Läkemedel frisläppt 👩‍⚕️ إحالة';
    const signed = await api.call('POST', `/v1/orgs/${orgId}/keys/${key.id}/sign-message`, {
      token,
      body: { message },
    });
    expect(signed.status).toBe(200);
    expect(verifyMessage(message, signed.json.signature)).toBe(key.address);
    const typed = { ...TYPED, message: { purpose: 'forskning 🧪' } };
    const res = await api.call('POST', `/v1/orgs/${orgId}/keys/${key.id}/sign-typed-data`, { token, body: typed });
    expect(res.status).toBe(200);
    expect(verifyTypedData(typed.domain, typed.types, typed.message, res.json.signature)).toBe(key.address);
  });
});

describe('a self-hosted node’s rpcUrl', () => {
  it('is refused with characters no URI may hold, on create and on update', async () => {
    for (const rpcUrl of ['http://127.0.0.1:8545/\u0000', 'http://rpc.example/\u202e', 'http://rpc.example/\ud800']) {
      const res = await api.call('POST', `/v1/orgs/${orgId}/nodes`, {
        token,
        body: { networkId, hosting: 'self-hosted', rpcUrl },
      });
      expectFieldError(res, 'body.rpcUrl');
    }
    const node = await api.call('POST', `/v1/orgs/${orgId}/nodes`, {
      token,
      body: { networkId, hosting: 'self-hosted', rpcUrl: 'https://rpc.member.example:8545/' },
    });
    expect(node.status).toBe(201);
    const patched = await api.call('PATCH', `/v1/orgs/${orgId}/nodes/${node.json.id}`, {
      token,
      body: { rpcUrl: 'https://rpc.member.example/\u202e' },
    });
    expectFieldError(patched, 'body.rpcUrl');
    expect(patched.json.errors[0].message).toMatch(/U\+202E/);
    const stored = await api.stores.nodes.get(orgId, node.json.id);
    expect(stored?.endpoints.rpcUrl).toBe('https://rpc.member.example:8545/');
  });

  it('keeps refusing other schemes and refuses credentials', async () => {
    for (const rpcUrl of ['ftp://rpc.example/', 'https://user:secret@rpc.example/']) {
      const res = await api.call('POST', `/v1/orgs/${orgId}/nodes`, {
        token,
        body: { networkId, hosting: 'self-hosted', rpcUrl },
      });
      expectFieldError(res, 'body.rpcUrl');
    }
  });
});
