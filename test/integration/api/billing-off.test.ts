/**
 * An installation without Stripe: billing is off, plans activate at once, usage is still metered and invoices are
 * estimates from the catalogue; the API says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe('billing off', () => {
  it('says billing is off and lists the catalogue in SEK', async () => {
    const plans = await api.call('GET', '/v1/plans');
    expect(plans.status).toBe(200);
    expect(plans.json.billingEnabled).toBe(false);
    expect(plans.json.items.map((p: { id: string }) => p.id)).toEqual([
      'self-hosted',
      'managed-member',
      'managed-validator',
      'enterprise',
    ]);
    const enterprise = plans.json.items.find((p: { id: string }) => p.id === 'enterprise');
    expect(enterprise).toMatchObject({ currency: 'sek', slaTargetPercent: 99.95 });
  });

  it('activates a chosen plan at once and estimates the invoice', async () => {
    const { token } = await api.signup();
    const org = await api.createOrg(token);
    const before = await api.call('GET', `/v1/orgs/${org.id}/billing`, { token });
    expect(before.json).toMatchObject({ billingEnabled: false, state: 'none', planId: null });
    const chosen = await api.call('POST', `/v1/orgs/${org.id}/billing/checkout`, {
      token,
      body: { planId: 'enterprise' },
    });
    expect(chosen.status).toBe(200);
    expect(chosen.json).toMatchObject({
      kind: 'activated',
      url: null,
      account: { state: 'active', planId: 'enterprise' },
    });
    const invoices = await api.call('GET', `/v1/orgs/${org.id}/invoices`, { token });
    expect(invoices.json.billingEnabled).toBe(false);
    expect(invoices.json.items).toHaveLength(1);
    expect(invoices.json.items[0].status).toBe('estimate');
    const portal = await api.call('POST', `/v1/orgs/${org.id}/billing/portal`, { token });
    expect(portal.status).toBe(404);
    expect(portal.json.detail).toMatch(/Billing is off/);
  });

  it('enforces the plan’s signing-key limit', async () => {
    const { token } = await api.signup();
    const org = await api.createOrg(token);
    await api.call('POST', `/v1/orgs/${org.id}/billing/checkout`, { token, body: { planId: 'self-hosted' } });
    expect((await api.call('POST', `/v1/orgs/${org.id}/keys`, { token, body: { alias: 'one' } })).status).toBe(201);
    const second = await api.call('POST', `/v1/orgs/${org.id}/keys`, { token, body: { alias: 'two' } });
    expect(second.status).toBe(402);
    expect(second.json.detail).toMatch(/allows 1 signing key/);
  });
});
