/**
 * Operators create networks. Where the deployment provides no genesis validators (AWS: the operator names the node
 * addresses of the validators that will run the chain), a network without a validator list is refused with a
 * clear 400 and nothing is recorded.
 */
import { getAddress } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe('creating networks', () => {
  it('refuses a network without validators where the platform provides none, recording nothing', async () => {
    const token = await api.loginOperator();
    const refused = await api.call('POST', '/v1/networks', {
      token,
      body: { name: 'no-validators', chainId: 5_100_001 },
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.json.detail).toMatch(/genesis validators/);
    expect(refused.json.errors).toEqual([expect.objectContaining({ path: 'body.validators' })]);
    const listed = await api.call('GET', '/v1/networks', { token });
    expect(listed.json.items.map((n: { name: string }) => n.name)).not.toContain('no-validators');
  });

  it('creates a network with the validators named, checksummed and in canonical order', async () => {
    const token = await api.loginOperator();
    const validators = ['0x00000000000000000000000000000000000000bb', '0x00000000000000000000000000000000000000aa'];
    const created = await api.call('POST', '/v1/networks', {
      token,
      body: { name: 'named-validators', chainId: 5_100_002, validators },
    });
    expect(created.status).toBe(201);
    expect(created.json.validators).toEqual([getAddress(validators[1] as string), getAddress(validators[0] as string)]);
    const audited = await api.stores.audit.list('platform', { limit: 50 });
    expect(audited.items.find((entry) => entry.target === created.json.id)).toMatchObject({
      action: 'network.created',
      actor: { type: 'user' },
      details: { chainId: 5_100_002, genesisValidators: 'named by the operator' },
    });
  });

  it('refuses an empty validator list and a member’s attempt', async () => {
    const token = await api.loginOperator();
    const empty = await api.call('POST', '/v1/networks', {
      token,
      body: { name: 'empty-validators', chainId: 5_100_003, validators: [] },
    });
    expect(empty.status).toBe(400);
    const member = await api.signup('Not An Operator');
    const forbidden = await api.call('POST', '/v1/networks', {
      token: member.token,
      body: { name: 'member-network', chainId: 5_100_004, validators: ['0x00000000000000000000000000000000000000aa'] },
    });
    expect(forbidden.status).toBe(403);
  });
});
