/**
 * Consent relays pass the personal-data guard (channel `consent-relay`) on the local runtime: a GiveConsent whose
 * `bytes32` receipt "hash" is really a valid test personnummer is refused with 422 naming the detector and where
 * it is, never the value, and nothing reaches the chain (neither the relaying key's nor the patient's nonce moves),
 * on a member's relay and on the patient pages' relay alike; an ordinary consent whose Unix times, nonce and
 * deadline are digit runs (one of them the same digits as the test personnummer) goes through; under `flag` the
 * relay goes through and the organisation's signed data-protection report counts it.
 */
import { encodeBytes32String, JsonRpcProvider, verifyMessage, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectConsentLedger } from '../../../shared/chain/contracts/consent-ledger.ts';
import type { PairwiseIdentity } from '../../../shared/domain/patient-identity.ts';
import { type ConsentEnv, startConsentEnv } from '../../support/consent-fixture.ts';

const PERSONNUMMER = '19121212-1212';
/** 2030-08-05 in Unix seconds: the test personnummer's digits in its ten-digit form (191212-1212). */
const UNTIL_2030 = 1_912_121_212;
const month = new Date().toISOString().slice(0, 7);

let c: ConsentEnv;
let patient: Wallet;
let towardA: PairwiseIdentity;
let rpc: JsonRpcProvider;

beforeAll(async () => {
  c = await startConsentEnv();
  patient = Wallet.createRandom() as unknown as Wallet;
  towardA = await c.identity(patient, c.a);
  rpc = new JsonRpcProvider(`${c.env.runtime.url}/rpc/${c.a.nodeId}/${c.a.apiKey}`, c.network.chainId, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
}, 180_000);
afterAll(async () => {
  await c?.close();
});

const consents = () => `/v1/networks/${c.network.id}/consents`;
const relayByA = (signed: object) =>
  c.call('POST', consents(), { token: c.a.token, body: { keyId: c.a.key.id, ...signed } });

/** What the chain knows: the relaying key's transactions and the patient's nonce on the ledger. */
async function chainState() {
  const ledger = await connectConsentLedger(c.network.consentLedgerAddress, rpc);
  return {
    relayer: await rpc.getTransactionCount(c.a.key.address),
    patient: Number(await ledger.getFunction('nonces')(towardA.key.address)),
  };
}

function setPolicy(mode: string) {
  return c.ok(
    c.call('PUT', `/v1/networks/${c.network.id}/data-protection-policy`, { token: c.operator, body: { mode } }),
    200,
  );
}

describe('consent relays and the personal-data guard', () => {
  it('refuses a consent carrying a personnummer in a bytes32 member with 422; nothing reaches the chain', async () => {
    const before = await chainState();
    const terms = c.terms(towardA, { receiptHash: encodeBytes32String(PERSONNUMMER) });
    const res = await relayByA(await c.signedGive(towardA, terms, { nonce: 0 }));
    expect(res.status, res.text).toBe(422);
    expect(res.json.type).toBe('https://carechain.se/problems/personal-data-refused');
    expect(res.json.detail).toContain('typed data message.receiptHash bytes offset 0: personnummer');
    expect(res.text).not.toContain(PERSONNUMMER);
    expect(res.text).not.toContain('191212121212');
    expect(await chainState()).toEqual(before);
    expect(JSON.stringify(c.env.logLines)).not.toContain(PERSONNUMMER);
  });

  it('refuses it on the patient pages too, where the platform relays', async () => {
    const before = await chainState();
    const session = await c.signIn(patient);
    const terms = c.terms(towardA, { policyHash: encodeBytes32String(`pnr ${PERSONNUMMER}`) });
    const res = await c.call('POST', `/v1/patient/networks/${c.network.id}/consents`, {
      token: session.token,
      body: await c.signedGive(towardA, terms, { nonce: 0 }),
    });
    expect(res.status, res.text).toBe(422);
    expect(res.json.detail).toContain('typed data message.policyHash bytes offset 4: personnummer');
    expect(res.text).not.toContain(PERSONNUMMER);
    expect((await chainState()).patient).toBe(before.patient);
  });

  it('relays an ordinary consent whose times, nonce and deadline are digit runs', async () => {
    const now = await c.chainTime();
    const terms = c.terms(towardA, {
      dataFrom: 1_262_304_000,
      dataUntil: now,
      validFrom: now,
      validUntil: UNTIL_2030,
      resourceTypes: ['Observation', 'Patient', 'Immunization'],
    });
    const res = await relayByA(await c.signedGive(towardA, terms, { nonce: 0, deadlineIn: 86_400 }));
    expect(res.status, res.text).toBe(201);
    expect(res.json.consent).toMatchObject({ subject: towardA.subject, status: 'active' });
    expect((await chainState()).patient).toBe(1);
  });

  it('relays it under `flag`, and the signed report counts the relays blocked and flagged', async () => {
    await setPolicy('flag');
    try {
      const terms = c.terms(towardA, { receiptHash: encodeBytes32String(PERSONNUMMER) });
      const res = await relayByA(await c.signedGive(towardA, terms, { nonce: 1 }));
      expect(res.status, res.text).toBe(201);
      expect((await chainState()).patient).toBe(2);
    } finally {
      await setPolicy('block');
    }

    const report = await c.ok(
      c.call('GET', `/v1/orgs/${c.a.orgId}/data-protection-report?month=${month}`, { token: c.a.token }),
      200,
    );
    expect(JSON.stringify(report)).not.toContain(PERSONNUMMER);
    expect(verifyMessage(report.payload, report.signature)).toBe(report.signer);
    const rows = report.report.counts.filter((row: { channel: string }) => row.channel === 'consent-relay');
    expect(rows).toHaveLength(2);
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ detector: 'personnummer', outcome: 'blocked', requests: 1 }),
        expect.objectContaining({ detector: 'personnummer', outcome: 'flagged', requests: 1 }),
      ]),
    );
    const audit = await c.ok(c.call('GET', `/v1/orgs/${c.a.orgId}/audit?limit=50`, { token: c.a.token }), 200);
    const flagged = audit.items.find((e: { action: string }) => e.action === 'personal-data.flagged');
    expect(flagged.details).toMatchObject({
      channel: 'consent-relay',
      policy: 'flag',
      keyId: c.a.key.id,
      networkId: c.network.id,
      contract: c.network.consentLedgerAddress.toLowerCase(),
      subject: 'typed-data',
      findings: [
        {
          detector: 'personnummer',
          location: 'typed data message.receiptHash bytes offset 0',
          fingerprint: expect.any(String),
        },
      ],
    });
  });
});
