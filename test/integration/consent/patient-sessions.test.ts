/**
 * Patients sign in with Sign-In with Ethereum (EIP-4361, the `siwe` package on both sides) and get a short-lived
 * patient session, with no CareChain account: a nonce is used once, the message must name this server and a
 * network with a consent ledger, the signature must be the named address's, and the token is the platform's
 * signature over what it says, so it cannot be altered, outlives nothing and stores nothing about the patient.
 */
import { type HDNodeWallet, Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../shared/domain/ids.ts';
import { scanItems } from '../../support/table-scan.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

let api: TestApi;
let now = Date.now();
const HOST = 'console.carechain.example';
const CHAIN_ID = 4_321_987;

beforeAll(async () => {
  api = await startTestApi({ clock: () => new Date(now) });
  await api.stores.networks.create({
    id: newId('network'),
    name: 'patients',
    chainId: CHAIN_ID,
    consensus: 'qbft',
    blockPeriodSeconds: 2,
    validators: ['0x00000000000000000000000000000000000000Aa'],
    bootnodes: [],
    alloc: {},
    status: 'active',
    governanceAddress: '0x00000000000000000000000000000000000000b1',
    consentLedgerAddress: '0x00000000000000000000000000000000000000b2',
    createdAt: new Date(now).toISOString(),
    version: 1,
  });
});

afterAll(() => api?.close());

async function nonce(): Promise<string> {
  const res = await api.call('POST', '/v1/patient/nonces');
  expect(res.status).toBe(201);
  return res.json.nonce;
}

async function signed(
  patient: Wallet | HDNodeWallet,
  fields: Partial<{ domain: string; chainId: number; nonce: string; expirationTime: string; signer: Wallet }> = {},
) {
  const message = new SiweMessage({
    domain: fields.domain ?? HOST,
    address: patient.address,
    statement: 'See my consents and who read my records.',
    uri: `https://${HOST}/patient`,
    version: '1',
    chainId: fields.chainId ?? CHAIN_ID,
    nonce: fields.nonce ?? (await nonce()),
    issuedAt: new Date(now).toISOString(),
    expirationTime: fields.expirationTime,
  }).prepareMessage();
  return { message, signature: await (fields.signer ?? patient).signMessage(message) };
}

const signIn = (body: Record<string, unknown>) =>
  api.call('POST', '/v1/patient/sessions', { body, headers: { host: HOST } });

describe('patients signing in with their own key', () => {
  it('get a session for the network of the message’s chain id, and their DID', async () => {
    const patient = Wallet.createRandom();
    const res = await signIn(await signed(patient));
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({
      address: patient.address,
      did: `did:ethr:0x${CHAIN_ID.toString(16)}:${patient.address}`,
      chainId: CHAIN_ID,
    });
    expect(res.json.token).toMatch(/^ccp_/);
    const session = await api.call('GET', '/v1/patient/session', { token: res.json.token });
    expect(session.status).toBe(200);
    expect(session.json.address).toBe(patient.address);
  });

  it('cannot use a nonce twice, or one the API never issued', async () => {
    const patient = Wallet.createRandom();
    const body = await signed(patient);
    expect((await signIn(body)).status).toBe(201);
    const replayed = await signIn(body);
    expect(replayed.status).toBe(401);
    expect(replayed.json.detail).toMatch(/nonce/);
    expect((await signIn(await signed(patient, { nonce: 'abcdefgh12345678' }))).status).toBe(401);
  });

  it('refuses a message for another site, another key’s signature, and a chain without a ledger', async () => {
    const patient = Wallet.createRandom();
    const elsewhere = await signIn(await signed(patient, { domain: 'phishing.example' }));
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.json.detail).toMatch(/[Dd]omain/);
    const forged = await signIn(await signed(patient, { signer: Wallet.createRandom() as unknown as Wallet }));
    expect(forged.status).toBe(401);
    const noLedger = await signIn(await signed(patient, { chainId: 1 }));
    expect(noLedger.status).toBe(400);
    const notSiwe = await signIn({ message: 'I am the patient, trust me', signature: `0x${'11'.repeat(65)}` });
    expect(notSiwe.status).toBe(400);
  });

  it('end with the session: altered or expired tokens are refused', async () => {
    const res = await signIn(await signed(Wallet.createRandom()));
    const token: string = res.json.token;
    const [payload, signature] = token.slice(4).split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const altered = `ccp_${Buffer.from(JSON.stringify({ ...claims, address: Wallet.createRandom().address })).toString('base64url')}.${signature}`;
    expect((await api.call('GET', '/v1/patient/session', { token: altered })).status).toBe(401);
    now += 16 * 60_000;
    try {
      expect((await api.call('GET', '/v1/patient/session', { token })).status).toBe(401);
    } finally {
      now -= 16 * 60_000;
    }
  });

  it('are no CareChain users, and users are no patients', async () => {
    const res = await signIn(await signed(Wallet.createRandom()));
    expect((await api.call('GET', '/v1/orgs', { token: res.json.token })).status).toBe(401);
    const user = await api.signup('Anna');
    expect((await api.call('GET', '/v1/patient/session', { token: user.token })).status).toBe(401);
  });

  it('leave nothing about the patient in the table', async () => {
    const patient = Wallet.createRandom();
    expect((await signIn(await signed(patient))).status).toBe(201);
    const items = await scanItems(api.table);
    expect(JSON.stringify(items).toLowerCase()).not.toContain(patient.address.slice(2).toLowerCase());
  });
});
