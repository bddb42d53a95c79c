/**
 * Every organisation route, taken from the OpenAPI document so that a new route is covered the day it is added,
 * is called by a member of another organisation, with another organisation's API key and with a revoked key of
 * the organisation itself. Each must answer 404 (or 401 for the revoked key), never data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

/** A valid body for each route that takes one, so a refusal cannot be a validation error in disguise. */
const VALID_BODIES: Record<string, unknown> = {
  'POST /v1/orgs/{orgId}/invitations': { email: 'new.person@example.se', role: 'viewer' },
  'PATCH /v1/orgs/{orgId}/members/{userId}': { role: 'viewer' },
  'POST /v1/orgs/{orgId}/api-keys': { name: 'probe', scopes: ['rpc'] },
  'POST /v1/orgs/{orgId}/nodes': { networkId: 'filled in beforeAll' },
  'PATCH /v1/orgs/{orgId}/nodes/{nodeId}': { rpcUrl: 'http://127.0.0.1:9/never' },
  'POST /v1/orgs/{orgId}/keys': { alias: 'probe' },
  'POST /v1/orgs/{orgId}/billing/checkout': { planId: 'self-hosted' },
  'POST /v1/orgs/{orgId}/keys/{keyId}/sign-message': { message: 'steal a signature' },
  'POST /v1/orgs/{orgId}/keys/{keyId}/sign-typed-data': {
    domain: { name: 'x' },
    types: { T: [{ name: 'a', type: 'uint256' }] },
    message: { a: 1 },
  },
  'POST /v1/orgs/{orgId}/keys/{keyId}/transactions': { to: '0x00000000000000000000000000000000000000aa' },
  'POST /v1/orgs/{orgId}/networks/{networkId}/accesses': {
    keyId: 'filled in beforeAll',
    subject: `0x${'3f'.repeat(32)}`,
    purpose: 'ETREAT',
    resourceType: 'Observation',
    emergency: true,
  },
  'POST /v1/orgs/{orgId}/networks/{networkId}/dids/{keyId}/delegates': {
    delegateType: 'sigAuth',
    delegate: '0x00000000000000000000000000000000000000aa',
  },
  'POST /v1/orgs/{orgId}/networks/{networkId}/dids/{keyId}/attributes': {
    name: 'did/svc/FhirEndpoint',
    value: 'https://fhir.intruder.example/fhir',
  },
  'PUT /v1/orgs/{orgId}/data-protection/patterns': { patterns: [{ name: 'Journal number', pattern: 'JRN-[0-9]{8}' }] },
  'POST /v1/orgs/{orgId}/data-protection/exemptions': {
    networkId: 'filled in beforeAll',
    contract: '0x00000000000000000000000000000000000000aa',
    detector: 'email',
    reason: 'Staff e-mail addresses in the duty roster contract',
  },
  'POST /v1/orgs/{orgId}/webhooks': { url: 'http://127.0.0.1:9/hook', eventTypes: ['node.state_changed'] },
  'PATCH /v1/orgs/{orgId}/webhooks/{webhookId}': { url: 'http://127.0.0.1:9/stolen' },
};

let api: TestApi;
/** Valid values for required query parameters, by name. */
const VALID_QUERY: Record<string, string> = { month: '2026-11' };

let routes: Array<{ method: string; path: string; hasBody: boolean; query: string[] }>;
let params: Record<string, string>;
let attacker: { token: string; apiKey: string };
let revokedVictimKey: string;

beforeAll(async () => {
  api = await startTestApi();
  const victim = await api.signup('Victim');
  const victimOrg = await api.createOrg(victim.token, 'Victim Hospital');
  const victimKey = await api.createApiKey(victim.token, victimOrg.id);
  const invitation = await api.call('POST', `/v1/orgs/${victimOrg.id}/invitations`, {
    token: victim.token,
    body: { email: 'pending@example.se' },
  });
  const revoked = await api.createApiKey(victim.token, victimOrg.id);
  await api.call('DELETE', `/v1/orgs/${victimOrg.id}/api-keys/${revoked.id}`, { token: victim.token });
  revokedVictimKey = revoked.secret;

  const intruder = await api.signup('Intruder');
  const intruderOrg = await api.createOrg(intruder.token, 'Intruder Clinic');
  const intruderKey = await api.createApiKey(intruder.token, intruderOrg.id);
  attacker = { token: intruder.token, apiKey: intruderKey.secret };

  const network = await api.createNetwork();
  VALID_BODIES['POST /v1/orgs/{orgId}/nodes'] = { networkId: network.id, hosting: 'self-hosted' };
  VALID_BODIES['PUT /v1/orgs/{orgId}/backup-copies'] = { networkId: network.id, bucket: 'victim-chain-backups' };
  (VALID_BODIES['POST /v1/orgs/{orgId}/data-protection/exemptions'] as { networkId: string }).networkId = network.id;
  const node = await api.call('POST', `/v1/orgs/${victimOrg.id}/nodes`, {
    token: victim.token,
    body: { networkId: network.id, hosting: 'self-hosted' },
  });

  const signingKey = await api.call('POST', `/v1/orgs/${victimOrg.id}/keys`, {
    token: victim.token,
    body: { alias: 'victim-key' },
  });

  VALID_BODIES['POST /v1/orgs/{orgId}/networks/{networkId}/accesses'] = {
    ...(VALID_BODIES['POST /v1/orgs/{orgId}/networks/{networkId}/accesses'] as object),
    keyId: signingKey.json.id,
  };
  const webhook = await api.call('POST', `/v1/orgs/${victimOrg.id}/webhooks`, {
    token: victim.token,
    body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['billing.state_changed'] },
  });
  // A test event to a receiver that is not there: a delivery in the victim's log.
  const delivery = await api.call('POST', `/v1/orgs/${victimOrg.id}/webhooks/${webhook.json.id}/test`, {
    token: victim.token,
  });

  params = {
    networkId: network.id,
    webhookId: webhook.json.id,
    deliveryId: delivery.json.id,
    keyId: signingKey.json.id,
    orgId: victimOrg.id,
    userId: victim.user.id,
    apiKeyId: victimKey.id,
    invitationId: invitation.json.id,
    nodeId: node.json.id,
  };

  const doc = (await api.call('GET', '/v1/openapi.json')).json as {
    paths: Record<
      string,
      Record<string, { requestBody?: unknown; parameters?: Array<{ in: string; name: string; required?: boolean }> }>
    >;
  };
  routes = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/v1/orgs/{orgId}'))
    .flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        hasBody: operation.requestBody !== undefined,
        query: (operation.parameters ?? []).filter((p) => p.in === 'query' && p.required).map((p) => p.name),
      })),
    );
});
afterAll(() => api.close());

function fill(path: string): string {
  const route = routes.find((r) => r.path === path && r.query.length > 0);
  const query = (route?.query ?? []).map((name) => {
    const value = VALID_QUERY[name];
    if (!value) throw new Error(`No valid value for ?${name}: add one to the tenant-isolation test`);
    return `${name}=${encodeURIComponent(value)}`;
  });
  return fillPath(path) + (query.length ? `?${query.join('&')}` : '');
}

function fillPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (!value) throw new Error(`No real id for {${name}}: add one to the tenant-isolation test`);
    return value;
  });
}

function bodyFor(method: string, path: string): unknown {
  if (!routes.find((r) => r.method === method && r.path === path)?.hasBody) return undefined;
  const body = VALID_BODIES[`${method} ${path}`];
  if (body === undefined) throw new Error(`No valid body for ${method} ${path}: add one to the tenant-isolation test`);
  return body;
}

describe('tenant isolation', () => {
  it('covers every organisation route of the API', () => {
    expect(routes.length).toBeGreaterThanOrEqual(10);
    for (const { method, path } of routes) {
      expect(() => fill(path)).not.toThrow();
      expect(() => bodyFor(method, path)).not.toThrow();
    }
  });

  it('answers 404 to a signed-in member of another organisation, on every route', async () => {
    for (const { method, path } of routes) {
      const res = await api.call(method, fill(path), {
        token: attacker.token,
        body: bodyFor(method, path) as Record<string, unknown> | undefined,
      });
      expect({ route: `${method} ${path}`, status: res.status }).toEqual({ route: `${method} ${path}`, status: 404 });
      expect(res.text).not.toContain('Victim Hospital');
    }
  });

  it('answers 404 to an API key of another organisation, on every route', async () => {
    for (const { method, path } of routes) {
      const res = await api.call(method, fill(path), {
        apiKey: attacker.apiKey,
        body: bodyFor(method, path) as Record<string, unknown> | undefined,
      });
      expect({ route: `${method} ${path}`, status: res.status }).toEqual({ route: `${method} ${path}`, status: 404 });
    }
  });

  it('answers 401 to a revoked key of the organisation itself, on every route', async () => {
    for (const { method, path } of routes) {
      const res = await api.call(method, fill(path), {
        apiKey: revokedVictimKey,
        body: bodyFor(method, path) as Record<string, unknown> | undefined,
      });
      expect({ route: `${method} ${path}`, status: res.status }).toEqual({ route: `${method} ${path}`, status: 401 });
    }
  });

  it('left the victim organisation untouched', async () => {
    const ops = await api.loginOperator();
    const all = await api.call('GET', '/v1/ops/orgs', { token: ops });
    expect(all.json.items.map((o: { name: string }) => o.name).sort()).toEqual(['Intruder Clinic', 'Victim Hospital']);
    const members = await api.stores.organisations.listMembers(params.orgId ?? '');
    expect(members).toHaveLength(1);
    const keys = await api.stores.apiKeys.list(params.orgId ?? '');
    expect(keys).toHaveLength(2);
    expect(await api.stores.billing.get(params.orgId ?? '')).toBeUndefined();
    const signingKeys = await api.stores.signingKeys.list(params.orgId ?? '');
    expect(signingKeys.map((k) => k.state)).toEqual(['enabled']);
    const signed = (await api.stores.audit.list(params.orgId ?? '', { limit: 200 })).items.filter(
      (e) => e.action === 'signing-key.signed',
    );
    expect(signed).toEqual([]);
    const nodes = await api.stores.nodes.listByOrg(params.orgId ?? '');
    expect(nodes.map((n) => [n.id, n.desiredState, n.endpoints.rpcUrl])).toEqual([
      [params.nodeId, 'running', undefined],
    ]);
  });
});
