/**
 * The "what must be shown", on the local runtime as a new user gets it with `npm start`: a patient whose
 * key is an ordinary ethers wallet (not the product's vault) consents to hospital A for TREAT on Observation and
 * MedicationStatement; A's check permits, B's denies; A logs an access and the patient sees it; the patient
 * withdraws and A's check denies from that block; an emergency access by B is logged and shown to the patient as
 * such. Forged, replayed and expired signatures are refused with a 4xx and change nothing; both hospitals read
 * the same ledger; another organisation's keys and logs are 404. Finally every transaction on the chain is
 * scanned for personal identifiers, and the logs and table for the patient's salts and address.
 */
import { hexlify, id, JsonRpcProvider, toUtf8Bytes, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectConsentLedger } from '../../../shared/chain/contracts/consent-ledger.ts';
import { consentDomain, consentTypesOf } from '../../../shared/domain/consent.ts';
import type { PairwiseIdentity } from '../../../shared/domain/patient-identity.ts';
import { type ConsentEnv, startConsentEnv, until } from '../../support/consent-fixture.ts';
import { scanItems } from '../../support/table-scan.ts';

let c: ConsentEnv;
let patient: Wallet;
let towardA: PairwiseIdentity;
let towardB: PairwiseIdentity;
let consentId: string;
/** The first consent exactly as relayed: sent again, it is a replay. */
let firstGive: object;
let patientToken: string;
/** Personal data the test knows about the patient, which must never reach the chain. */
const PERSON = {
  name: 'Astrid Lindqvist',
  personnummer: '19121212-1212',
  email: 'astrid.lindqvist@example.se',
};

beforeAll(async () => {
  c = await startConsentEnv();
  patient = Wallet.createRandom() as unknown as Wallet;
  [towardA, towardB] = await Promise.all([c.identity(patient, c.a), c.identity(patient, c.b)]);
}, 180_000);

afterAll(async () => {
  await c?.close();
});

const consents = () => `/v1/networks/${c.network.id}/consents`;
const check = (identity: PairwiseIdentity, grantee: string, resourceType = 'Observation', purpose = 'TREAT') =>
  `${consents()}/check?${new URLSearchParams({ subject: identity.subject, grantee, purpose, resourceType })}`;
const accesses = (orgId: string) => `/v1/orgs/${orgId}/networks/${c.network.id}/accesses`;

async function nonceOf(address: string): Promise<number> {
  const ledger = await connectConsentLedger(c.network.consentLedgerAddress, await provider());
  return Number(await ledger.getFunction('nonces')(address));
}

let rpc: JsonRpcProvider | undefined;
async function provider(): Promise<JsonRpcProvider> {
  rpc ??= new JsonRpcProvider(`${c.env.runtime.url}/rpc/${c.a.nodeId}/${c.a.apiKey}`, c.network.chainId, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  return rpc;
}

async function patientView() {
  return c.ok(
    c.call('POST', `/v1/patient/networks/${c.network.id}/view`, {
      token: patientToken,
      body: {
        identities: [towardA, towardB].map((identity) => ({
          grantee: identity.grantee,
          salt: identity.salt,
          patientKey: identity.key.address,
        })),
      },
    }),
    200,
  );
}

describe('a patient’s consent, end to end', () => {
  it('is given with a key the patient holds, relayed by hospital A’s member key, and recorded as signed', async () => {
    // The receipt (ISO/IEC TS 27560) names the patient: it stays off chain, only its hash goes on.
    const receipt = JSON.stringify({ ...PERSON, purpose: 'TREAT', organisation: c.a.name });
    const terms = c.terms(towardA, { receiptHash: id(receipt) });
    const signed = await c.signedGive(towardA, terms, { nonce: 0 });
    firstGive = signed;
    const res = await c.call('POST', consents(), { token: c.a.token, body: { keyId: c.a.key.id, ...signed } });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({
      relayedBy: c.a.key.address,
      consent: {
        subject: towardA.subject,
        grantee: c.a.key.address,
        granteeName: c.a.name,
        controller: towardA.key.address,
        purpose: 'TREAT',
        resourceTypes: ['Observation', 'MedicationStatement'],
        decision: 'permit',
        status: 'active',
        receiptHash: id(receipt),
      },
    });
    consentId = res.json.consent.id;
    const audit = await c.ok(c.call('GET', `/v1/orgs/${c.a.orgId}/audit?limit=50`, { token: c.a.token }), 200);
    const actions = audit.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['consent.relayed', 'signing-key.signed']));
  });

  it('permits A’s check and denies B’s; repeated checks are answered from the cache of the block', async () => {
    const permit = await c.ok(c.call('GET', check(towardA, c.a.key.address), { apiKey: c.a.apiKey }), 200);
    expect(permit).toMatchObject({ decision: 'permit', blocked: false, consent: { id: consentId } });
    expect(permit.blockNumber).toBeGreaterThan(0);
    const medication = await c.ok(
      c.call('GET', check(towardA, c.a.key.address, 'MedicationStatement'), { apiKey: c.a.apiKey }),
      200,
    );
    expect(medication.decision).toBe('permit');
    expect(
      (await c.ok(c.call('GET', check(towardA, c.a.key.address, 'Condition'), { apiKey: c.a.apiKey }), 200)).decision,
    ).toBe('deny');

    const forB = await c.ok(c.call('GET', check(towardB, c.b.key.address), { apiKey: c.b.apiKey }), 200);
    expect(forB).toMatchObject({ decision: 'deny', consent: null });
    const aPseudonymAsB = await c.ok(c.call('GET', check(towardA, c.b.key.address), { apiKey: c.b.apiKey }), 200);
    expect(aPseudonymAsB.decision).toBe('deny');

    const pair = await until(
      async () => {
        const first = await c.ok(c.call('GET', check(towardA, c.a.key.address), { apiKey: c.a.apiKey }), 200);
        const second = await c.ok(c.call('GET', check(towardA, c.a.key.address), { apiKey: c.a.apiKey }), 200);
        return [first, second];
      },
      ([first, second]) => first.blockNumber === second.blockNumber,
      'two checks in one block',
    );
    expect(pair[1]).toMatchObject({ decision: 'permit', cached: true });
  });

  it('lets a signed-in user of A check for A, and meters checks to the organisation', async () => {
    const res = await c.call('GET', `${check(towardA, c.a.key.address)}&orgId=${c.a.orgId}`, { token: c.a.token });
    expect(res.status, res.text).toBe(200);
    const unnamed = await c.call('GET', check(towardA, c.a.key.address), { token: c.a.token });
    expect(unnamed.status).toBe(400);
    const notMine = await c.call('GET', `${check(towardA, c.a.key.address)}&orgId=${c.a.orgId}`, { token: c.b.token });
    expect(notMine.status).toBe(404);
  });

  it('logs A’s access, which A lists with counts by purpose', async () => {
    const logged = await c.ok(
      c.call('POST', accesses(c.a.orgId), {
        token: c.a.token,
        body: { keyId: c.a.key.id, subject: towardA.subject, purpose: 'TREAT', resourceType: 'Observation' },
      }),
      201,
    );
    expect(logged.access).toMatchObject({
      subject: towardA.subject,
      grantee: c.a.key.address,
      consentId,
      emergency: false,
      purpose: 'TREAT',
      resourceType: 'Observation',
    });
    const list = await c.ok(c.call('GET', accesses(c.a.orgId), { token: c.a.token }), 200);
    expect(list.items[0]).toMatchObject({ transactionHash: logged.transactionHash, granteeName: c.a.name });
    expect(list.counts).toMatchObject({ total: 1, emergency: 0, byPurpose: { TREAT: 1 } });
    expect(list.grantees).toEqual([c.a.key.address]);
  });

  it('shows the patient, signed in with their own key, the consent and A’s access', async () => {
    const session = await c.signIn(patient);
    expect(session).toMatchObject({ address: patient.address, networkId: c.network.id });
    expect(session.did).toBe(`did:ethr:0x${c.network.chainId.toString(16)}:${patient.address}`);
    patientToken = session.token;
    const view = await patientView();
    const [atA, atB] = view.items;
    expect(atA).toMatchObject({ subject: towardA.subject, granteeName: c.a.name, nonce: 1, blocked: false });
    expect(atA.consents.map((x: { id: string; status: string }) => [x.id, x.status])).toEqual([[consentId, 'active']]);
    expect(atA.accesses).toEqual([expect.objectContaining({ grantee: c.a.key.address, emergency: false })]);
    expect(atB).toMatchObject({ subject: towardB.subject, consents: [], accesses: [] });
  });

  it('refuses forged, replayed and expired signatures with a 4xx, and sends nothing', async () => {
    const relayerNonce = await (await provider()).getTransactionCount(c.a.key.address);
    const signedBefore = await signedCount(c.a);
    const replayed = firstGive;
    const expired = await c.signedGive(towardA, c.terms(towardA), { nonce: 1, deadlineIn: -60 });
    const forged = await c.signedGive(towardA, c.terms(towardA), {
      nonce: 1,
      signer: Wallet.createRandom() as unknown as Wallet,
    });
    const relay = (body: object) =>
      c.call('POST', consents(), { token: c.a.token, body: { keyId: c.a.key.id, ...body } });
    const [r, e, f] = [await relay(replayed), await relay(expired), await relay(forged)];
    expect([r.status, r.json.type]).toEqual([409, 'https://carechain.se/problems/consent-signature-replayed']);
    expect([e.status, e.json.type]).toEqual([400, 'https://carechain.se/problems/consent-signature-expired']);
    expect([f.status, f.json.type]).toEqual([400, 'https://carechain.se/problems/consent-signature-invalid']);
    for (const refused of [r, e, f]) expect(refused.json.detail).toMatch(/\w/);
    expect(await (await provider()).getTransactionCount(c.a.key.address)).toBe(relayerNonce);
    expect(await signedCount(c.a)).toBe(signedBefore);
    expect(await nonceOf(towardA.key.address)).toBe(1);
    const view = await patientView();
    expect(view.items[0].consents).toHaveLength(1);
  });

  it('withdraws when the patient signs it on the patient pages; A’s check denies from that block', async () => {
    const signed = await c.signedWithdrawal(towardA, consentId, 1);
    const withdrawn = await c.ok(
      c.call('POST', `/v1/patient/networks/${c.network.id}/consents/${consentId}/withdrawal`, {
        token: patientToken,
        body: signed,
      }),
      200,
    );
    expect(withdrawn.consent.status).toBe('withdrawn');
    const after = await c.ok(c.call('GET', check(towardA, c.a.key.address), { apiKey: c.a.apiKey }), 200);
    expect(after.blockNumber).toBeGreaterThanOrEqual(withdrawn.blockNumber);
    expect(after).toMatchObject({ decision: 'deny', consent: null });
    const refused = await c.call('POST', accesses(c.a.orgId), {
      token: c.a.token,
      body: { keyId: c.a.key.id, subject: towardA.subject, purpose: 'TREAT', resourceType: 'Observation' },
    });
    expect([refused.status, refused.json.type]).toEqual([403, 'https://carechain.se/problems/consent-refused']);
  });

  it('logs an emergency access by B without consent, and shows it to the patient as such', async () => {
    const withoutConsent = await c.call('POST', accesses(c.b.orgId), {
      token: c.b.token,
      body: { keyId: c.b.key.id, subject: towardA.subject, purpose: 'ETREAT', resourceType: 'AllergyIntolerance' },
    });
    expect(withoutConsent.status).toBe(403);
    const emergency = await c.ok(
      c.call('POST', accesses(c.b.orgId), {
        token: c.b.token,
        body: {
          keyId: c.b.key.id,
          subject: towardA.subject,
          purpose: 'ETREAT',
          resourceType: 'AllergyIntolerance',
          emergency: true,
        },
      }),
      201,
    );
    expect(emergency.access).toMatchObject({ emergency: true, consentId: null, granteeName: c.b.name });
    const view = await patientView();
    expect(view.items[0].accesses[0]).toMatchObject({
      grantee: c.b.key.address,
      granteeName: c.b.name,
      emergency: true,
      purpose: 'ETREAT',
      resourceType: 'AllergyIntolerance',
    });
    const bList = await c.ok(c.call('GET', accesses(c.b.orgId), { token: c.b.token }), 200);
    expect(bList.counts).toMatchObject({ emergency: 1, byPurpose: { ETREAT: 1 } });
  });

  it('is the same ledger for both hospitals', async () => {
    const asA = await c.ok(c.call('GET', `${consents()}/${consentId}`, { apiKey: c.a.apiKey }), 200);
    const asB = await c.ok(c.call('GET', `${consents()}/${consentId}`, { apiKey: c.b.apiKey }), 200);
    expect(asB).toEqual(asA);
    const checkA = await c.ok(c.call('GET', check(towardA, c.a.key.address), { apiKey: c.a.apiKey }), 200);
    const checkB = await c.ok(c.call('GET', check(towardA, c.a.key.address), { apiKey: c.b.apiKey }), 200);
    expect([checkA.decision, checkB.decision]).toEqual(['deny', 'deny']);
  });
});

describe('a block (spärr)', () => {
  it('denies B even where a newer active consent permits, until the patient lifts it', async () => {
    const given = await c.ok(
      c.call('POST', consents(), {
        token: c.b.token,
        body: { keyId: c.b.key.id, ...(await c.signedGive(towardB, c.terms(towardB), { nonce: 0 })) },
      }),
      201,
    );
    const forB = () => c.ok(c.call('GET', check(towardB, c.b.key.address), { apiKey: c.b.apiKey }), 200);
    expect(await forB()).toMatchObject({ decision: 'permit', blocked: false, consent: { id: given.consent.id } });
    const setBlock = async (blocked: boolean, nonce: number) => {
      const deadline = (await c.chainTime()) + 600;
      const message = { subject: towardB.subject, grantee: c.b.key.address, blocked };
      const signature = await towardB.key.signTypedData(
        consentDomain(c.network.chainId, c.network.consentLedgerAddress),
        consentTypesOf('SetBlock'),
        { ...message, nonce, deadline },
      );
      return c.ok(
        c.call('POST', `/v1/patient/networks/${c.network.id}/consents/blocks`, {
          token: patientToken,
          body: { ...message, nonce, deadline, signature },
        }),
        200,
      );
    };
    await setBlock(true, 1);
    const blocked = await forB();
    expect(blocked).toMatchObject({ decision: 'deny', blocked: true });
    const still = await c.ok(c.call('GET', `${consents()}/${given.consent.id}`, { apiKey: c.b.apiKey }), 200);
    expect(still.status).toBe('active');
    await setBlock(false, 2);
    expect(await forB()).toMatchObject({ decision: 'permit', blocked: false });
  });
});

describe('another organisation’s keys and logs', () => {
  it('are 404: relaying, logging and reading with A’s key as B, or A’s log and DIDs', async () => {
    const signed = await c.signedGive(towardB, c.terms(towardB), { nonce: 0 });
    const relay = await c.call('POST', consents(), { token: c.b.token, body: { keyId: c.a.key.id, ...signed } });
    expect(relay.status).toBe(404);
    const log = await c.call('POST', accesses(c.b.orgId), {
      token: c.b.token,
      body: {
        keyId: c.a.key.id,
        subject: towardB.subject,
        purpose: 'TREAT',
        resourceType: 'Observation',
        emergency: true,
      },
    });
    expect(log.status).toBe(404);
    expect((await c.call('GET', accesses(c.a.orgId), { token: c.b.token })).status).toBe(404);
    expect((await c.call('GET', accesses(c.a.orgId), { apiKey: c.b.apiKey })).status).toBe(404);
    const did = `/v1/orgs/${c.a.orgId}/networks/${c.network.id}/dids/${c.a.key.id}`;
    expect((await c.call('GET', did, { token: c.b.token })).status).toBe(404);
  });
});

describe('data protection', () => {
  it('put no personal identifier in any transaction or event on the chain', async () => {
    const rpcProvider = await provider();
    const latest = await rpcProvider.getBlockNumber();
    const hexOf = (text: string) => hexlify(toUtf8Bytes(text)).slice(2).toLowerCase();
    const forbidden = [
      patient.address.slice(2).toLowerCase(),
      hexOf(`did:ethr:0x${c.network.chainId.toString(16)}:${patient.address}`),
      hexOf(PERSON.name),
      hexOf(PERSON.email),
      hexOf(PERSON.personnummer),
      hexOf(PERSON.personnummer.replace('-', '')),
      hexOf('121212-1212'),
    ];
    const personnummer = /(?:19|20)?\d{6}[-+]?\d{4}/;
    const email = /[\w.+-]+@[\w-]+\.[a-z]{2,}/i;
    let scanned = 0;
    for (let number = 0; number <= latest; number++) {
      const block = await rpcProvider.getBlock(number, true);
      for (const tx of block?.prefetchedTransactions ?? []) {
        const receipt = await rpcProvider.getTransactionReceipt(tx.hash);
        const payloads = [tx.data, ...(receipt?.logs ?? []).flatMap((log) => [log.data, ...log.topics])];
        for (const payload of payloads) {
          const hex = payload.slice(2).toLowerCase();
          for (const value of forbidden) expect(hex, `${tx.hash} carries personal data`).not.toContain(value);
          if (tx.to !== null) {
            const text = Buffer.from(hex, 'hex').toString('latin1');
            expect(text, `${tx.hash}`).not.toMatch(personnummer);
            expect(text, `${tx.hash}`).not.toMatch(email);
          }
        }
        scanned++;
      }
    }
    // Deployments, governance, the consent relays and the access log: all of them were read.
    expect(scanned).toBeGreaterThanOrEqual(10);
  });

  it('kept the patient’s salts and address out of every log line and table item', async () => {
    const table = JSON.stringify(await scanItems(c.env.runtime.table)).toLowerCase();
    const logs = c.env.logLines.join('\n').toLowerCase();
    for (const secret of [towardA.salt, towardB.salt, patient.address]) {
      expect(table).not.toContain(secret.slice(2).toLowerCase());
      expect(logs).not.toContain(secret.slice(2).toLowerCase());
    }
  });
});

async function signedCount(who: { orgId: string; token: string }): Promise<number> {
  const audit = await c.ok(c.call('GET', `/v1/orgs/${who.orgId}/audit?limit=200`, { token: who.token }), 200);
  return audit.items.filter((e: { action: string }) => e.action === 'signing-key.signed').length;
}
