/**
 * The data-protection API on dynalite with the real vault and inspector: operators (and only they) set a network's
 * policy; an organisation's admins keep their own RE2 patterns, checked on input; members ask for exemptions that
 * operators approve, reject or revoke, each step audited and listed; an approved exemption lets exactly that
 * contract and detector through; the signed report names policies, patterns and exemptions, counts what was
 * refused, and verifies with ethers.verifyMessage.
 */
import { verifyMessage } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

const CONTRACT = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const EMAIL = 'anna.svensson@regionstockholm.se';

let api: TestApi;
let owner: { token: string };
let orgId: string;
let operator: string;
let network: { id: string; chainId: number };

beforeAll(async () => {
  api = await startTestApi();
  owner = await api.signup('Data Officer');
  orgId = (await api.createOrg(owner.token, 'Karolinska Test')).id;
  operator = await api.loginOperator();
  network = await api.createNetwork();
  await api.call('POST', `/v1/orgs/${orgId}/nodes`, {
    token: owner.token,
    body: { networkId: network.id, hosting: 'self-hosted' },
  });
}, 60_000);
afterAll(() => api?.close());

/** A typed-data signature to CONTRACT on the network, carrying `note`. */
async function signTypedNote(keyId: string, note: string) {
  return api.call('POST', `/v1/orgs/${orgId}/keys/${keyId}/sign-typed-data`, {
    token: owner.token,
    body: {
      domain: { name: 'Roster', version: '1', chainId: network.chainId, verifyingContract: CONTRACT },
      types: { Entry: [{ name: 'note', type: 'string' }] },
      primaryType: 'Entry',
      message: { note },
    },
  });
}

describe('data-protection API', () => {
  it('lets only operators set a network’s policy, which defaults to block and is audited', async () => {
    const path = `/v1/networks/${network.id}/data-protection-policy`;
    expect((await api.call('GET', path, { token: owner.token })).json).toMatchObject({
      networkId: network.id,
      mode: 'block',
      isDefault: true,
      updatedAt: null,
    });
    expect((await api.call('PUT', path, { token: owner.token, body: { mode: 'off' } })).status).toBe(403);
    const bad = await api.call('PUT', path, { token: operator, body: { mode: 'maybe' } });
    expect(bad.status).toBe(400);
    const set = await api.call('PUT', path, { token: operator, body: { mode: 'flag' } });
    expect(set.json).toMatchObject({ mode: 'flag', isDefault: false });
    expect((await api.call('PUT', path, { token: operator, body: { mode: 'block' } })).json.mode).toBe('block');
    const missing = await api.call('GET', '/v1/networks/net_aaaaaaaaaaaaaaaaaaaa/data-protection-policy', {
      token: owner.token,
    });
    expect(missing.status).toBe(404);
  });

  it('keeps an organisation’s patterns, refusing what RE2 cannot run or what matches empty text', async () => {
    const path = `/v1/orgs/${orgId}/data-protection/patterns`;
    const refused = await api.call('PUT', path, {
      token: owner.token,
      body: {
        patterns: [
          { name: 'Backreference', pattern: '(a+)\\1' },
          { name: 'Anything', pattern: '.*' },
          { name: 'Journal', pattern: 'JRN-[0-9]{8}' },
        ],
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.json.errors.map((e: { path: string }) => e.path)).toEqual([
      'body.patterns.0.pattern',
      'body.patterns.1.pattern',
    ]);
    const saved = await api.call('PUT', path, {
      token: owner.token,
      body: { patterns: [{ name: 'Journal', pattern: 'JRN-[0-9]{8}' }] },
    });
    expect(saved.status).toBe(200);
    expect(saved.json.patterns).toEqual([
      { id: expect.stringMatching(/^pat_/), name: 'Journal', pattern: 'JRN-[0-9]{8}' },
    ]);
    expect((await api.call('GET', path, { token: owner.token })).json.patterns).toHaveLength(1);

    const key = await api.call('POST', `/v1/orgs/${orgId}/keys`, { token: owner.token, body: { alias: 'journal' } });
    const signed = await api.call('POST', `/v1/orgs/${orgId}/keys/${key.json.id}/sign-message`, {
      token: owner.token,
      body: { message: 'Ref JRN-12345678' },
    });
    expect(signed.status).toBe(422);
    expect(signed.json.detail).toContain('org-pattern');
    expect(signed.text).not.toContain('JRN-12345678');
  });

  it('lets an approved exemption through for that contract and detector only; every step is audited', async () => {
    const key = await api.call('POST', `/v1/orgs/${orgId}/keys`, { token: owner.token, body: { alias: 'roster' } });
    expect((await signTypedNote(key.json.id, `On duty: ${EMAIL}`)).status).toBe(422);

    const asked = await api.call('POST', `/v1/orgs/${orgId}/data-protection/exemptions`, {
      token: owner.token,
      body: { networkId: network.id, contract: CONTRACT, detector: 'email', reason: 'Staff e-mail in the roster' },
    });
    expect(asked.status).toBe(201);
    expect(asked.json).toMatchObject({ state: 'requested', contract: CONTRACT.toLowerCase(), detector: 'email' });
    expect((await signTypedNote(key.json.id, `On duty: ${EMAIL}`)).status).toBe(422);

    const decide = (decision: string, token = operator) =>
      api.call('POST', `/v1/ops/data-protection/exemptions/${asked.json.id}/decision`, {
        token,
        body: { decision, note: 'Staff only' },
      });
    expect((await decide('approve', owner.token)).status).toBe(403);
    const pending = await api.call('GET', '/v1/ops/data-protection/exemptions?state=requested', { token: operator });
    expect(pending.json.items.map((e: { id: string }) => e.id)).toContain(asked.json.id);
    expect((await decide('approve')).json).toMatchObject({ state: 'approved', decisionNote: 'Staff only' });
    expect((await decide('approve')).status).toBe(409);

    expect((await signTypedNote(key.json.id, `On duty: ${EMAIL}`)).status).toBe(200);
    // The exemption covers e-mail addresses, not personnummer.
    expect((await signTypedNote(key.json.id, `On duty: ${EMAIL}, 19121212-1212`)).status).toBe(422);

    expect((await decide('revoke')).json.state).toBe('revoked');
    expect((await signTypedNote(key.json.id, `On duty: ${EMAIL}`)).status).toBe(422);

    const listed = await api.call('GET', `/v1/orgs/${orgId}/data-protection/exemptions`, { token: owner.token });
    expect(listed.json.items).toEqual([expect.objectContaining({ id: asked.json.id, state: 'revoked' })]);
    const audit = await api.call('GET', `/v1/orgs/${orgId}/audit?limit=100`, { token: owner.token });
    const actions = audit.json.items.map((entry: { action: string }) => entry.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'data-protection.patterns-changed',
        'data-protection.exemption-requested',
        'data-protection.exemption-approved',
        'data-protection.exemption-revoked',
        'personal-data.blocked',
      ]),
    );
    expect(audit.text).not.toContain(EMAIL);
    expect(JSON.stringify(api.logLines)).not.toContain(EMAIL);
  });

  it('signs a report naming policies, patterns and exemptions with counts; a tampered one does not verify', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const res = await api.call('GET', `/v1/orgs/${orgId}/data-protection-report?month=${month}`, {
      token: owner.token,
    });
    expect(res.status).toBe(200);
    const { report, payload, signature, signer } = res.json;
    expect(verifyMessage(payload, signature)).toBe(signer);
    expect(signer).toBe((await api.call('GET', '/v1/platform')).json.signingAddress);
    expect(report).toMatchObject({
      orgId,
      month,
      final: false,
      policies: [{ networkId: network.id, mode: 'block', isDefault: false }],
      patterns: [{ name: 'Journal' }],
      exemptions: [{ detector: 'email', state: 'revoked' }],
    });
    const blocked = (detector: string) =>
      report.counts.find(
        (row: { detector: string; outcome: string; channel: string }) =>
          row.detector === detector && row.outcome === 'blocked' && row.channel === 'signing-api',
      )?.requests;
    // E-mail: before the exemption was asked for, while it was asked for, after it was revoked; while approved, the
    // e-mail address beside a personnummer was let through and only the personnummer counted.
    expect({
      email: blocked('email'),
      personnummer: blocked('personnummer'),
      orgPattern: blocked('org-pattern'),
    }).toEqual({ email: 3, personnummer: 1, orgPattern: 1 });
    expect(res.text).not.toContain(EMAIL);

    const tampered = payload.replace('"blockedRequests":', '"blockedRequests":1');
    expect(tampered).not.toBe(payload);
    expect(verifyMessage(tampered, signature)).not.toBe(signer);

    const future = await api.call('GET', `/v1/orgs/${orgId}/data-protection-report?month=2999-01`, {
      token: owner.token,
    });
    expect(future.status).toBe(400);
  });
});
