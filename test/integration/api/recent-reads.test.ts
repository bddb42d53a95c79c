/**
 * Hot-path reads from the recent items (shared/store/recent-items.ts), as the deployed API and `npm start` read:
 * this process's own changes (revocation, logout, a key disabled) take effect at once; a change made by another
 * process takes effect within the staleness bound and not later; every signature is still audited and metered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../shared/auth/secrets.ts';
import { hourOf } from '../../../shared/domain/metering.ts';
import { UsageRepository } from '../../../shared/metering/usage.repository.ts';
import { UsageMeter } from '../../../shared/metering/usage-meter.ts';
import { RecentItems } from '../../../shared/store/recent-items.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

const STALE_MS = 5_000;
let now = 1_000_000;
const recent = new RecentItems({ staleMs: STALE_MS, now: () => now });
let api: TestApi;
let usageRecords: UsageRepository;
/** The API's meter, flushed by the test: what it counted is what was metered. */
const meter = new UsageMeter({
  store: { writeRecord: (record) => usageRecords.writeRecord(record) },
  flusherId: 'recent-reads-test',
});
/** The same table as another process (another Lambda instance) sees it: its own reads, none of ours. */
let elsewhere: ReturnType<typeof createStores>;

beforeAll(async () => {
  api = await startTestApi({
    recent,
    extend: () => ({ usage: meter }),
  });
  const otherTable = new Table(api.dynamo.client, 'carechain-test');
  elsewhere = createStores(otherTable);
  usageRecords = new UsageRepository(otherTable);
});
afterAll(async () => api?.close());

async function member() {
  const user = await api.signup();
  const org = await api.createOrg(user.token, `Recent Reads Clinic ${Math.random().toString(36).slice(2, 7)}`);
  return { ...user, orgId: org.id };
}

describe('a revocation', () => {
  it('made through this process refuses the API key at once', async () => {
    const { token, orgId } = await member();
    const key = await api.createApiKey(token, orgId);
    expect((await api.call('GET', `/v1/orgs/${orgId}/keys`, { apiKey: key.secret })).status).toBe(200);

    expect((await api.call('DELETE', `/v1/orgs/${orgId}/api-keys/${key.id}`, { token })).status).toBe(204);

    expect((await api.call('GET', `/v1/orgs/${orgId}/keys`, { apiKey: key.secret })).status).toBe(401);
  });

  it('made by another process takes effect within the staleness bound', async () => {
    const { token, orgId } = await member();
    const key = await api.createApiKey(token, orgId);
    // The first use writes the key's last-used time (which forgets what was read of it); the second is kept.
    for (let i = 0; i < 2; i++) {
      expect((await api.call('GET', `/v1/orgs/${orgId}/keys`, { apiKey: key.secret })).status).toBe(200);
    }

    await elsewhere.apiKeys.revoke(orgId, key.id, new Date());
    now += STALE_MS - 1;
    // Still within the bound: this process has not read the key again.
    expect((await api.call('GET', `/v1/orgs/${orgId}/keys`, { apiKey: key.secret })).status).toBe(200);
    now += 1;

    expect((await api.call('GET', `/v1/orgs/${orgId}/keys`, { apiKey: key.secret })).status).toBe(401);
  });
});

describe('a session', () => {
  it('ended by logging out through this process is refused at once', async () => {
    const { token, orgId } = await member();
    expect((await api.call('GET', `/v1/orgs/${orgId}/keys`, { token })).status).toBe(200);

    expect((await api.call('POST', '/v1/auth/logout', { token })).status).toBeLessThan(300);

    expect((await api.call('GET', `/v1/orgs/${orgId}/keys`, { token })).status).toBe(401);
  });

  it('ended by another process is refused once the bound has passed', async () => {
    const { token, orgId } = await member();
    expect((await api.call('GET', `/v1/orgs/${orgId}/keys`, { token })).status).toBe(200);

    await elsewhere.users.deleteSession(sha256Hex(token));
    now += STALE_MS;

    expect((await api.call('GET', `/v1/orgs/${orgId}/keys`, { token })).status).toBe(401);
  });
});

describe('signatures with recent reads', () => {
  it('a key disabled through this process refuses to sign at once', async () => {
    const { token, orgId } = await member();
    const key = await api.call('POST', `/v1/orgs/${orgId}/keys`, { token, body: { alias: 'recent' } });
    const sign = () =>
      api.call('POST', `/v1/orgs/${orgId}/keys/${key.json.id}/sign-message`, { token, body: { message: 'hello' } });
    expect((await sign()).status).toBe(200);

    expect((await api.call('POST', `/v1/orgs/${orgId}/keys/${key.json.id}/disable`, { token })).status).toBe(200);

    expect((await sign()).status).toBe(409);
  });

  it('every one is audited and metered, however many are answered from recent reads', async () => {
    const { token, orgId } = await member();
    const key = await api.call('POST', `/v1/orgs/${orgId}/keys`, { token, body: { alias: 'metered' } });
    const signed = 12;
    for (let i = 0; i < signed; i++) {
      const res = await api.call('POST', `/v1/orgs/${orgId}/keys/${key.json.id}/sign-message`, {
        token,
        body: { message: `receipt ${i}` },
      });
      expect(res.status).toBe(200);
    }

    const audit = await api.call('GET', `/v1/orgs/${orgId}/audit?limit=100`, { token });
    const entries = audit.json.items.filter((entry: { action: string }) => entry.action === 'signing-key.signed');
    expect(entries).toHaveLength(signed);
    expect(new Set(entries.map((entry: { details: { digest: string } }) => entry.details.digest)).size).toBe(signed);
    await meter.flush();
    const hour = hourOf(new Date());
    const records = await usageRecords.records(orgId, 'signatures', hour, hour);
    expect(records.reduce((sum, record) => sum + record.amount, 0)).toBe(signed);
  });
});
