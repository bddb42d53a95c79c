/**
 * The tenant layer holds where the membership check above it does not. The API is built here with a deliberately
 * broken membership check (it makes every caller an owner of any organisation), and organisation B's member and
 * API key ask for organisation A's keys (sign, public key, disable, enable, delete), nodes and audit log. The tenant
 * layer still refuses, and the answer is 404: the scope a request acts in is chosen from the caller alone (a
 * member of B is no member of A; B's API key acts for B), and in B's scope the local table keeps to B's partition
 * and the local vault to B's keys, as IAM keeps a tenant session in AWS. A record in B's partition that names A's
 * key (as a bug copying key references would leave) does not get B a signature either: the vault refuses.
 *
 * The same requests with the tenant layer bypassed too (the function's own vault and table, as before tenant
 * scopes) go through and return A's data: the refusals are the tenant layer's doing, not something else's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../functions/api/app.ts';
import type { OrgAccessResolver } from '../../../functions/services/access/org-access.ts';
import { NotFoundError } from '../../../shared/errors.ts';
import { bypassedTenancy } from '../../support/bypassed-tenancy.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

/** The broken membership check: whoever asks is an owner of whichever organisation exists. */
const grantsEveryone: OrgAccessResolver = async (organisations, principal, orgId) => {
  const org = await organisations.get(orgId);
  if (!principal || !org) throw new NotFoundError('No such organisation');
  const actor =
    principal.kind === 'user'
      ? ({ type: 'user', id: principal.user.id } as const)
      : ({ type: 'api_key', id: principal.apiKey.id } as const);
  return { org, role: 'owner', actor };
};

let api: TestApi;
let broken: ReturnType<typeof createApp>;
let bypassed: ReturnType<typeof createApp>;
const a = { orgId: '', token: '', keyId: '', address: '', nodeId: '' };
const b = { orgId: '', token: '', apiKey: '', plantedKeyId: '' };

beforeAll(async () => {
  api = await startTestApi();
  broken = createApp({ ...api.deps, resolveAccess: grantsEveryone });
  bypassed = createApp({
    ...api.deps,
    resolveAccess: grantsEveryone,
    tenancy: bypassedTenancy(api.vault, api.table, api.deps.clock),
  });

  const owner = await api.signup('Victim');
  const org = await api.createOrg(owner.token, 'Victim Hospital');
  const key = await api.call('POST', `/v1/orgs/${org.id}/keys`, { token: owner.token, body: { alias: 'victim-key' } });
  const network = await api.createNetwork();
  const node = await api.call('POST', `/v1/orgs/${org.id}/nodes`, {
    token: owner.token,
    body: { networkId: network.id, hosting: 'self-hosted' },
  });
  Object.assign(a, { orgId: org.id, token: owner.token, keyId: key.json.id, address: key.json.address });
  a.nodeId = node.json.id;

  const intruder = await api.signup('Intruder');
  const intruderOrg = await api.createOrg(intruder.token, 'Intruder Clinic');
  const apiKey = await api.createApiKey(intruder.token, intruderOrg.id);
  Object.assign(b, { orgId: intruderOrg.id, token: intruder.token, apiKey: apiKey.secret });
  // A record of B's that names A's key in the vault.
  const victimKey = await api.stores.signingKeys.get(a.orgId, a.keyId);
  if (!victimKey) throw new Error("A's key was not stored");
  b.plantedKeyId = `${a.keyId.slice(0, -4)}zzzz`;
  await api.stores.signingKeys.create({ ...victimKey, id: b.plantedKeyId, orgId: b.orgId, alias: 'planted' });
});
afterAll(() => api.close());

type Request = readonly [method: string, path: () => string, body?: Record<string, unknown>];
const onA = (rest: string) => () => `/v1/orgs/${a.orgId}${rest}`;
const onPlanted = (rest: string) => () => `/v1/orgs/${b.orgId}/keys/${b.plantedKeyId}${rest}`;

const typedData = { domain: { name: 'x' }, types: { T: [{ name: 'a', type: 'uint256' }] }, message: { a: 1 } };
const A_REQUESTS: Record<string, Request> = {
  "sign a message with A's key": ['POST', onA(`/keys/{keyId}/sign-message`), { message: 'steal a signature' }],
  "sign typed data with A's key": ['POST', onA('/keys/{keyId}/sign-typed-data'), typedData],
  "read A's key and its public key": ['GET', onA('/keys/{keyId}')],
  "list A's keys": ['GET', onA('/keys')],
  "disable A's key": ['POST', onA('/keys/{keyId}/disable')],
  "enable A's key": ['POST', onA('/keys/{keyId}/enable')],
  "schedule the deletion of A's key": ['DELETE', onA('/keys/{keyId}?pendingWindowDays=7')],
  "list A's nodes": ['GET', onA('/nodes')],
  "read A's node": ['GET', onA('/nodes/{nodeId}')],
  "read A's audit log": ['GET', onA('/audit')],
};
const PLANTED_REQUESTS: Record<string, Request> = {
  'sign a message': ['POST', onPlanted('/sign-message'), { message: 'steal a signature' }],
  'sign typed data': ['POST', onPlanted('/sign-typed-data'), typedData],
  disable: ['POST', onPlanted('/disable')],
  'schedule the deletion': ['DELETE', onPlanted('?pendingWindowDays=7')],
};

function send(app: typeof broken, [method, path, body]: Request, caller: 'member' | 'apiKey') {
  const url = path().replace('{keyId}', a.keyId).replace('{nodeId}', a.nodeId);
  const who = caller === 'member' ? { token: b.token } : { apiKey: b.apiKey };
  return api.call(method, url, { ...who, body, app });
}

const boundaryRefusals = () => api.logLines.filter((line) => line.includes('refused by the tenant boundary')).length;

async function expectAUntouched() {
  const key = await api.stores.signingKeys.get(a.orgId, a.keyId);
  expect(key?.state).toBe('enabled');
  const signed = await api.call('POST', `/v1/orgs/${a.orgId}/keys/${a.keyId}/sign-message`, {
    token: a.token,
    body: { message: 'still mine' },
  });
  expect(signed.status).toBe(200);
}

describe('with a broken membership check, the tenant layer still refuses', () => {
  for (const caller of ['member', 'apiKey'] as const) {
    const who = caller === 'member' ? "B's member" : "B's API key";
    it.each(Object.entries(A_REQUESTS))(`${who} may not %s: 404`, async (_what, request) => {
      const before = boundaryRefusals();
      const res = await send(broken, request, caller);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      // A problem and nothing else: no key, node or audit entry of A's.
      expect(Object.keys(res.json).sort()).toEqual(['detail', 'instance', 'requestId', 'status', 'title', 'type']);
      expect(res.text).not.toContain(a.address);
      expect(res.text).not.toContain('Victim');
      // The check above the boundary let it through; the boundary's refusal is logged as such.
      expect(boundaryRefusals()).toBe(before + 1);
      await expectAUntouched();
    });
  }

  it.each(Object.entries(PLANTED_REQUESTS))(
    "B's API key may not %s with A's key through a record in B's own partition: the vault refuses",
    async (_what, request) => {
      const before = boundaryRefusals();
      const res = await send(broken, request, 'apiKey');
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('"signature"');
      expect(boundaryRefusals()).toBe(before + 1);
      await expectAUntouched();
    },
  );
});

describe('the same requests with the tenant layer bypassed too go through', () => {
  it("B's API key reads A's key, nodes and audit log, and signs with A's key", async () => {
    const key = await send(bypassed, A_REQUESTS["read A's key and its public key"]!, 'apiKey');
    expect(key.status).toBe(200);
    expect(key.json.address).toBe(a.address);
    const nodes = await send(bypassed, A_REQUESTS["list A's nodes"]!, 'apiKey');
    expect(nodes.status).toBe(200);
    expect(JSON.stringify(nodes.json)).toContain(a.nodeId);
    expect((await send(bypassed, A_REQUESTS["read A's audit log"]!, 'apiKey')).status).toBe(200);
    const signed = await send(bypassed, A_REQUESTS["sign a message with A's key"]!, 'apiKey');
    expect(signed.status).toBe(200);
    expect(signed.json.address).toBe(a.address);
  });

  it("B's member signs with A's key, and through the planted record too", async () => {
    const direct = await send(bypassed, A_REQUESTS["sign a message with A's key"]!, 'member');
    expect(direct.status).toBe(200);
    const planted = await send(bypassed, PLANTED_REQUESTS['sign a message']!, 'apiKey');
    expect(planted.status).toBe(200);
    expect(planted.json.address).toBe(a.address);
  });
});
