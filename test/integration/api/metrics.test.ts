/**
 * `/metrics`: Prometheus text with requests counted per route pattern (never per id), the fleet by state read at
 * scrape time, and the process's own figures; operators only in AWS mode, open on the local server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../functions/api/app.ts';
import { ControlPlaneMetrics } from '../../../shared/observability/metrics.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

let api: TestApi;
let metrics: ControlPlaneMetrics;
let awsApp: ReturnType<typeof createApp>;

beforeAll(async () => {
  api = await startTestApi();
  metrics = new ControlPlaneMetrics({ sources: { fleet: () => api.stores.nodes.listFleet() } });
  awsApp = createApp({ ...api.deps, config: { ...api.deps.config, mode: 'aws' }, metrics });
});
afterAll(() => api.close());

async function scrape(token?: string) {
  const response = await awsApp.request('/metrics', {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** The value of one sample line, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{`) && wanted.every((label) => candidate.includes(label)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('/metrics', () => {
  it('is for operators only in AWS mode', async () => {
    expect((await scrape()).status).toBe(401);
    const member = await api.signup('Curious Member');
    expect((await scrape(member.token)).status).toBe(403);
    const operator = await scrape(await api.loginOperator());
    expect(operator.status).toBe(200);
    expect(operator.type).toContain('text/plain');
  });

  it('counts requests by route pattern and status, not by id', async () => {
    const { token } = await api.signup('Counted');
    const org = await api.createOrg(token, 'Region Gävleborg');
    for (let i = 0; i < 3; i++)
      await awsApp.request(`/v1/orgs/${org.id}`, { headers: { authorization: `Bearer ${token}` } });
    await awsApp.request('/v1/orgs/org_aaaaaaaaaaaaaaaaaaaa', { headers: { authorization: `Bearer ${token}` } });
    await awsApp.request('/v1/no-such-route');

    const { text } = await scrape(await api.loginOperator());
    const route = { app: 'api', method: 'GET', route: '/v1/orgs/:orgId' };
    expect(sample(text, 'carechain_http_requests_total', { ...route, status: '200' })).toBe(3);
    expect(sample(text, 'carechain_http_requests_total', { ...route, status: '404' })).toBe(1);
    expect(sample(text, 'carechain_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    expect(text).not.toContain(org.id);
    expect(sample(text, 'carechain_http_request_duration_seconds_count', route)).toBe(4);
    expect(text).toMatch(/^carechain_process_cpu_seconds_total /m);
  });

  it('reads the fleet by state and hosting at scrape time', async () => {
    const network = await api.createNetwork();
    const { token } = await api.signup('Fleet Owner');
    const org = await api.createOrg(token, 'Region Dalarna');
    for (const hosting of ['managed', 'managed', 'self-hosted']) {
      const created = await api.call('POST', `/v1/orgs/${org.id}/nodes`, {
        token,
        body: { networkId: network.id, hosting },
      });
      expect(created.status).toBe(201);
    }
    const { text } = await scrape(await api.loginOperator());
    expect(sample(text, 'carechain_nodes', { state: 'requested', hosting: 'managed', runtime: 'anvil' })).toBe(2);
    expect(sample(text, 'carechain_nodes', { state: 'requested', hosting: 'self-hosted' })).toBe(1);
  });
});
