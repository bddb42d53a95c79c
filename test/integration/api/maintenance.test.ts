/**
 * Announced maintenance through the API: operators announce and cancel windows, everyone signed in sees them,
 * nothing is announced after the fact or rewritten once under way, and the organisation's SLA report lists the
 * windows of the networks its nodes are on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

const HOUR = 3_600_000;
let now = new Date('2026-12-01T08:00:00.000Z').getTime();
let api: TestApi;
let operator: string;
let networkId: string;

beforeAll(async () => {
  api = await startTestApi({ clock: () => new Date(now) });
  operator = await api.loginOperator();
  networkId = (await api.createNetwork('maintained')).id;
});
afterAll(() => api.close());

const at = (offsetMs: number) => new Date(now + offsetMs).toISOString();
const path = () => `/v1/networks/${networkId}/maintenance-windows`;

describe('maintenance windows', () => {
  it('lets an operator announce a window that members then see, and audits it', async () => {
    const created = await api.call('POST', path(), {
      token: operator,
      body: { start: at(24 * HOUR), end: at(26 * HOUR), description: 'Besu upgrade' },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      id: expect.stringMatching(/^mw_[a-z2-7]{20}$/),
      networkId,
      start: at(24 * HOUR),
      end: at(26 * HOUR),
      status: 'upcoming',
    });
    const member = await api.signup('Member');
    const listed = await api.call('GET', path(), { token: member.token });
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((w: { id: string }) => w.id)).toEqual([created.json.id]);
    const audited = await api.stores.audit.list('platform', { limit: 20 });
    expect(audited.items.map((entry) => entry.action)).toContain('maintenance.announced');
  });

  it('keeps the time in UTC whatever offset the operator wrote it in', async () => {
    const created = await api.call('POST', path(), {
      token: operator,
      body: { start: '2026-12-10T03:00:00+01:00', end: '2026-12-10T05:00:00+01:00', description: 'Disk resize' },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ start: '2026-12-10T02:00:00.000Z', end: '2026-12-10T04:00:00.000Z' });
  });

  it.each([
    ['after the fact', { start: at(-2 * HOUR), end: at(HOUR) }, 400, 'body.start'],
    ['ending before it starts', { start: at(3 * HOUR), end: at(2 * HOUR) }, 400, 'body.end'],
    ['longer than 12 hours', { start: at(48 * HOUR), end: at(61 * HOUR) }, 400, 'body.end'],
    ['more than a year ahead', { start: at(400 * 24 * HOUR), end: at(400 * 24 * HOUR + HOUR) }, 400, 'body.start'],
    ['overlapping another', { start: at(25 * HOUR), end: at(27 * HOUR) }, 409, undefined],
  ])('refuses a window %s', async (_, times, status, field) => {
    const refused = await api.call('POST', path(), { token: operator, body: { ...times, description: 'x' } });
    expect(refused.status).toBe(status);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    if (field) expect(refused.json.errors[0].path).toBe(field);
  });

  it('refuses members, unknown networks and malformed bodies', async () => {
    const member = await api.signup('Not An Operator');
    const body = { start: at(100 * HOUR), end: at(101 * HOUR), description: 'x' };
    expect((await api.call('POST', path(), { token: member.token, body })).status).toBe(403);
    const unknown = '/v1/networks/net_aaaaaaaaaaaaaaaaaaaa/maintenance-windows';
    expect((await api.call('POST', unknown, { token: operator, body })).status).toBe(404);
    const malformed = await api.call('POST', path(), { token: operator, body: { ...body, start: 'tomorrow' } });
    expect(malformed.status).toBe(400);
    expect((await api.call('GET', path())).status).toBe(401);
  });

  it('cancels only windows that have not started; one under way stays on the record', async () => {
    const cancelled = await api.call('POST', path(), {
      token: operator,
      body: { start: at(200 * HOUR), end: at(201 * HOUR), description: 'Not needed after all' },
    });
    const soon = await api.call('POST', path(), {
      token: operator,
      body: { start: at(HOUR), end: at(3 * HOUR), description: 'Kernel patches' },
    });
    const removed = await api.call('DELETE', `${path()}/${cancelled.json.id}`, { token: operator });
    expect(removed.status).toBe(204);
    expect((await api.call('DELETE', `${path()}/${cancelled.json.id}`, { token: operator })).status).toBe(404);

    now += 2 * HOUR;
    const refused = await api.call('DELETE', `${path()}/${soon.json.id}`, { token: operator });
    expect(refused.status).toBe(409);
    const listed = await api.call('GET', path(), { token: operator });
    const ids = listed.json.items.map((w: { id: string }) => w.id);
    expect(ids).toContain(soon.json.id);
    expect(ids).not.toContain(cancelled.json.id);
    expect(listed.json.items.find((w: { id: string }) => w.id === soon.json.id).status).toBe('under-way');
  });

  it('lists the windows so far in the SLA report of an organisation with a node on the network', async () => {
    const { token } = await api.signup('Report Reader');
    const org = await api.createOrg(token, 'Region Uppsala');
    const node = await api.call('POST', `/v1/orgs/${org.id}/nodes`, { token, body: { networkId } });
    expect(node.status).toBe(201);
    now += HOUR / 2;
    const report = await api.call('GET', `/v1/orgs/${org.id}/sla-reports?month=2026-12`, { token });
    expect(report.status).toBe(200);
    const windows = report.json.report.maintenance.map((w: { description: string }) => w.description);
    // Month to date: the window under way is in it; tomorrow's is not yet, and the cancelled one never.
    expect(windows).toEqual(['Kernel patches']);
  });
});
