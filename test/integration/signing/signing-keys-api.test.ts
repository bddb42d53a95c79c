/**
 * Signing keys through the API on the local runtime: created in the local vault, signatures that ethers
 * verifies, a transaction mined on the organisation's node from the key's address; disabled and deleted keys
 * refuse to sign; viewers cannot sign; no private key bytes anywhere.
 */
import {
  hashMessage,
  JsonRpcProvider,
  recoverAddress,
  TypedDataEncoder,
  verifyMessage,
  verifyTypedData,
  Wallet,
} from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessRuntime, startInProcessRuntime } from '../../support/in-process-runtime.ts';
import { scanItems } from '../../support/table-scan.ts';
import { spellings, unsealAllKeys } from '../../support/vault-inspection.ts';

let env: InProcessRuntime;
let owner: { token: string; orgId: string };
let nodeId: string;
const responses: string[] = [];

const TYPED = {
  domain: { name: 'CareChain Consent', version: '1', chainId: 1_337_777 },
  types: {
    Consent: [
      { name: 'patient', type: 'address' },
      { name: 'purpose', type: 'string' },
      { name: 'validUntil', type: 'uint256' },
    ],
  },
  message: { patient: '0x00000000000000000000000000000000000000c1', purpose: 'research', validUntil: 1_800_000_000 },
};

async function call(method: string, path: string, init: { token?: string; body?: unknown } = {}) {
  const res = await env.call(method, path, init);
  responses.push(res.text);
  return res;
}

beforeAll(async () => {
  env = await startInProcessRuntime();
  owner = await env.user('Medtech');
  const networks = await env.call('GET', '/v1/networks', { token: owner.token });
  const node = await env.call('POST', `/v1/orgs/${owner.orgId}/nodes`, {
    token: owner.token,
    body: { networkId: networks.json.items[0].id },
  });
  nodeId = node.json.id;
  await env.waitForNode(owner.token, owner.orgId, nodeId, (n) => n.state === 'running');
}, 60_000);
afterAll(() => env.close());

describe('signing keys API', () => {
  it('creates a key and shows its address and public key, never a private key', async () => {
    const created = await call('POST', `/v1/orgs/${owner.orgId}/keys`, {
      token: owner.token,
      body: { alias: 'infusion-pump-0042', description: 'Device key' },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ alias: 'infusion-pump-0042', state: 'enabled' });
    expect(created.json.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(created.json.publicKey).toMatch(/^0x04[0-9a-f]{128}$/);
    const listed = await call('GET', `/v1/orgs/${owner.orgId}/keys`, { token: owner.token });
    expect(listed.json.items.map((k: { id: string }) => k.id)).toContain(created.json.id);
  });

  it('signs messages and typed data that ethers verifies against the key’s address', async () => {
    const key = await call('POST', `/v1/orgs/${owner.orgId}/keys`, { token: owner.token, body: { alias: 'qa' } });
    const message = 'Batch 2026-11-24 released by pharmacy QA';
    const signed = await call('POST', `/v1/orgs/${owner.orgId}/keys/${key.json.id}/sign-message`, {
      token: owner.token,
      body: { message },
    });
    expect(signed.status).toBe(200);
    expect(verifyMessage(message, signed.json.signature)).toBe(key.json.address);

    const typed = await call('POST', `/v1/orgs/${owner.orgId}/keys/${key.json.id}/sign-typed-data`, {
      token: owner.token,
      body: TYPED,
    });
    expect(typed.status).toBe(200);
    expect(verifyTypedData(TYPED.domain, TYPED.types, TYPED.message, typed.json.signature)).toBe(key.json.address);

    const audit = await call('GET', `/v1/orgs/${owner.orgId}/audit`, { token: owner.token });
    const signatures = audit.json.items.filter((e: { action: string }) => e.action === 'signing-key.signed');
    expect(signatures.map((e: { details: { purpose: string; digest: string } }) => e.details.purpose).sort()).toEqual([
      'message',
      'typed-data',
    ]);
    expect(signatures[0].details.digest).toMatch(/^0x[0-9a-f]{64}$/);
    // The digest answered and audited is the one signed.
    expect(signed.json.digest).toBe(hashMessage(message));
    expect(recoverAddress(signed.json.digest, signed.json.signature)).toBe(key.json.address);
    expect(typed.json.digest).toBe(TypedDataEncoder.hash(TYPED.domain, TYPED.types, TYPED.message));
    expect(recoverAddress(typed.json.digest, typed.json.signature)).toBe(key.json.address);
  });

  it('refuses typed data with a name where an address goes: nothing resolves it, nothing is signed', async () => {
    const key = await call('POST', `/v1/orgs/${owner.orgId}/keys`, { token: owner.token, body: { alias: 'ens' } });
    const typed = await call('POST', `/v1/orgs/${owner.orgId}/keys/${key.json.id}/sign-typed-data`, {
      token: owner.token,
      body: { ...TYPED, message: { ...TYPED.message, patient: 'hospital.eth' } },
    });
    expect(typed.status).toBe(400);
    expect(typed.json.detail).toMatch(/^The typed data is not valid/);
    const audit = await call('GET', `/v1/orgs/${owner.orgId}/audit`, { token: owner.token });
    const signedByKey = audit.json.items.filter(
      (e: { action: string; target: string }) => e.action === 'signing-key.signed' && e.target === key.json.id,
    );
    expect(signedByKey).toEqual([]);
  });

  it('signs and sends a transaction through the organisation’s node; it is mined from the key’s address', async () => {
    const key = await call('POST', `/v1/orgs/${owner.orgId}/keys`, { token: owner.token, body: { alias: 'sender' } });
    const recipient = Wallet.createRandom().address;
    const sent = await call('POST', `/v1/orgs/${owner.orgId}/keys/${key.json.id}/transactions`, {
      token: owner.token,
      body: { to: recipient, data: '0x1234' },
    });
    expect(sent.status).toBe(200);
    expect(sent.json).toMatchObject({ from: key.json.address, nonce: 0, nodeId });
    const record = await env.runtime.deps.stores.nodes.get(owner.orgId, nodeId);
    const provider = new JsonRpcProvider(record?.endpoints.rpcUrl, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
    });
    const receipt = await provider.waitForTransaction(sent.json.hash, 1, 20_000);
    expect(receipt?.status).toBe(1);
    expect(receipt?.from).toBe(key.json.address);
    expect(receipt?.to).toBe(recipient);

    const second = await call('POST', `/v1/orgs/${owner.orgId}/keys/${key.json.id}/transactions`, {
      token: owner.token,
      body: { to: recipient },
    });
    expect(second.json.nonce).toBe(1);
  });

  it('answers a transaction the node or ethers cannot take with 400 and the reason, not as an unreachable node', async () => {
    const key = await call('POST', `/v1/orgs/${owner.orgId}/keys`, { token: owner.token, body: { alias: 'careless' } });
    const send = (body: Record<string, unknown>) =>
      call('POST', `/v1/orgs/${owner.orgId}/keys/${key.json.id}/transactions`, { token: owner.token, body });
    const to = Wallet.createRandom().address;
    const refusedByNode = [
      { body: { to, gasLimit: '1' }, detail: /refused.*intrinsic gas too low/ },
      { body: { to, gasLimit: '0xffffffffffffffff' }, detail: /refused.*gas/ },
    ];
    for (const { body, detail } of refusedByNode) {
      const res = await send(body);
      expect({ status: res.status, detail: res.json.detail }).toEqual({
        status: 400,
        detail: expect.stringMatching(detail),
      });
    }
    const refusedHere = [
      { body: { to, value: `0x1${'0'.repeat(64)}` }, path: 'body.value' },
      { body: { to, gasLimit: `0x1${'0'.repeat(16)}` }, path: 'body.gasLimit' },
      { body: { to, data: '0xabc' }, path: 'body.data' },
    ];
    for (const { body, path } of refusedHere) {
      const res = await send(body);
      expect({ status: res.status, paths: res.json.errors?.map((e: { path: string }) => e.path) }).toEqual({
        status: 400,
        paths: [path],
      });
    }
  });

  it('refuses to sign with a disabled key, signs again once enabled, and never after deletion is scheduled', async () => {
    const key = await call('POST', `/v1/orgs/${owner.orgId}/keys`, {
      token: owner.token,
      body: { alias: 'lifecycle' },
    });
    const sign = () =>
      call('POST', `/v1/orgs/${owner.orgId}/keys/${key.json.id}/sign-message`, {
        token: owner.token,
        body: { message: 'hello' },
      });
    expect(
      (await call('POST', `/v1/orgs/${owner.orgId}/keys/${key.json.id}/disable`, { token: owner.token })).json.state,
    ).toBe('disabled');
    const refused = await sign();
    expect(refused.status).toBe(409);
    expect(refused.json.detail).toMatch(/disabled/);
    await call('POST', `/v1/orgs/${owner.orgId}/keys/${key.json.id}/enable`, { token: owner.token });
    expect((await sign()).status).toBe(200);

    const deleted = await call('DELETE', `/v1/orgs/${owner.orgId}/keys/${key.json.id}?pendingWindowDays=7`, {
      token: owner.token,
    });
    expect(deleted.json.state).toBe('pending-deletion');
    expect(Date.parse(deleted.json.deletionDate) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    const afterDelete = await sign();
    expect(afterDelete.status).toBe(409);
    expect(afterDelete.json.detail).toMatch(/deletion/);
    const tooShort = await call('DELETE', `/v1/orgs/${owner.orgId}/keys/${key.json.id}?pendingWindowDays=3`, {
      token: owner.token,
    });
    expect(tooShort.status).toBe(400);
  });

  it('keeps viewers from signing and other organisations out', async () => {
    const key = await call('POST', `/v1/orgs/${owner.orgId}/keys`, { token: owner.token, body: { alias: 'guarded' } });
    const viewerSignup = await env.call('POST', '/v1/auth/signup', {
      body: { email: 'viewer@medtech.example', password: 'a long test password', name: 'Viewer' },
    });
    const invite = await env.call('POST', `/v1/orgs/${owner.orgId}/invitations`, {
      token: owner.token,
      body: { email: 'viewer@medtech.example', role: 'viewer' },
    });
    await env.call('POST', `/v1/invitations/${invite.json.token}/accept`, { token: viewerSignup.json.token });
    const byViewer = await call('POST', `/v1/orgs/${owner.orgId}/keys/${key.json.id}/sign-message`, {
      token: viewerSignup.json.token,
      body: { message: 'may I?' },
    });
    expect(byViewer.status).toBe(403);
    expect(
      (await call('GET', `/v1/orgs/${owner.orgId}/keys/${key.json.id}`, { token: viewerSignup.json.token })).status,
    ).toBe(200);

    const other = await env.user('Other');
    const foreign = await call('POST', `/v1/orgs/${owner.orgId}/keys/${key.json.id}/sign-message`, {
      token: other.token,
      body: { message: 'not mine' },
    });
    expect(foreign.status).toBe(404);
    const viaOwnOrg = await call('GET', `/v1/orgs/${other.orgId}/keys/${key.json.id}`, { token: other.token });
    expect(viaOwnOrg.status).toBe(404);
  });

  it('has no private key bytes in any response, log line or table item', async () => {
    const keys = unsealAllKeys(env.dataDir);
    expect(keys.length).toBeGreaterThanOrEqual(6);
    const items = JSON.stringify(await scanItems(env.runtime.table));
    expect(env.logLines.length).toBeGreaterThan(20);
    const everything = [items, ...responses, ...env.logLines].join('\n');
    for (const { privateKey } of keys) {
      for (const spelling of spellings(privateKey)) expect(everything).not.toContain(spelling);
    }
  });
});
