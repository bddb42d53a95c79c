/**
 * `consent.*` events end to end on the local runtime (real anvil, the consent ledger the control plane deployed,
 * dynalite, real HTTP to a receiver on this machine): hospital B relays a patient's consent to hospital A; both
 * hospitals' endpoints receive one signed `consent.granted` with the same id, the ledger's pseudonymous data and
 * who relayed it; A's emergency access, a withdrawal and a block reach A only as the types A subscribed to; no
 * delivery carries the patient's address, DID or salt; and a follower started afresh on the same table (what a
 * restart is: the cursor is all the state) reads no log a second time.
 */
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainLogFollower } from '../../../functions/jobs/events/chain-log-follower.ts';
import { consentEventStream } from '../../../functions/jobs/events/consent-event-stream.ts';
import { consentDomain, consentTypesOf } from '../../../shared/domain/consent.ts';
import { consentEventId } from '../../../shared/domain/events.ts';
import type { PairwiseIdentity } from '../../../shared/domain/patient-identity.ts';
import { verifyWebhookSignature } from '../../../shared/domain/webhook-signature.ts';
import { type ConsentEnv, startConsentEnv, until } from '../../support/consent-fixture.ts';
import { startWebhookReceiver } from '../../support/webhook-receiver.ts';

let c: ConsentEnv;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
const secrets: Record<string, string> = {};
let patient: Wallet;
let towardA: PairwiseIdentity;
let consentId: string;

const consents = () => `/v1/networks/${c.network.id}/consents`;
const at = (path: string) => receiver.at(path);
const ofType = (path: string, type: string) => receiver.at(path, type);

async function deliveredUntil(done: () => boolean, what: string) {
  await until(
    async () => {
      await c.env.runtime.runEventsNow();
      return done();
    },
    (ok) => ok,
    what,
  );
}

beforeAll(async () => {
  c = await startConsentEnv();
  patient = Wallet.createRandom() as unknown as Wallet;
  towardA = await c.identity(patient, c.a);
  receiver = await startWebhookReceiver();
  const register = async (token: string, orgId: string, path: string, eventTypes: string[]) => {
    const created = await c.ok(
      c.call('POST', `/v1/orgs/${orgId}/webhooks`, { token, body: { url: receiver.url(path), eventTypes } }),
      201,
    );
    secrets[path] = created.secret;
  };
  await register(c.a.token, c.a.orgId, '/a', [
    'consent.granted',
    'consent.revoked',
    'consent.blocked',
    'consent.emergency_access',
  ]);
  await register(c.b.token, c.b.orgId, '/b', ['consent.granted']);
}, 180_000);

afterAll(async () => {
  await receiver?.close();
  await c?.close();
});

describe('consent events through webhooks', () => {
  it('tells the grantee and the relaying member of a relayed consent, signed, with the same event id', async () => {
    const signed = await c.signedGive(towardA, c.terms(towardA), { nonce: 0 });
    const relayed = await c.ok(
      c.call('POST', consents(), { token: c.b.token, body: { keyId: c.b.key.id, ...signed } }),
      201,
    );
    consentId = relayed.consent.id;
    await deliveredUntil(
      () => ofType('/a', 'consent.granted').length > 0 && ofType('/b', 'consent.granted').length > 0,
      'consent.granted at both hospitals',
    );
    const [toA] = ofType('/a', 'consent.granted');
    const [toB] = ofType('/b', 'consent.granted');
    for (const [delivery, path] of [
      [toA, '/a'],
      [toB, '/b'],
    ] as const) {
      expect(() =>
        verifyWebhookSignature({
          payload: delivery?.body ?? '',
          header: delivery?.header ?? '',
          secret: secrets[path] ?? '',
        }),
      ).not.toThrow();
      expect(delivery?.event.id).toBe(delivery?.id);
    }
    expect(toA?.event).toMatchObject({
      type: 'consent.granted',
      orgId: c.a.orgId,
      data: {
        networkId: c.network.id,
        ledgerAddress: c.network.consentLedgerAddress.toLowerCase(),
        consentId,
        subject: towardA.subject,
        grantee: c.a.key.address.toLowerCase(),
        granteeOrgId: c.a.orgId,
        relayedBy: c.b.key.address.toLowerCase(),
        relayedByOrgId: c.b.orgId,
        purpose: 'TREAT',
        decision: 'permit',
        supersedes: null,
      },
    });
    expect(toB?.event).toMatchObject({ orgId: c.b.orgId, data: toA?.event.data });
    expect(toA?.id).toBe(toB?.id);
    expect(toA?.id).toBe(consentEventId(c.network.id, toA?.event.data.blockHash, toA?.event.data.logIndex));
  });

  it('tells A of its emergency access, of the withdrawal and of a block; B subscribed to none of them', async () => {
    await c.ok(
      c.call('POST', `/v1/orgs/${c.a.orgId}/networks/${c.network.id}/accesses`, {
        token: c.a.token,
        body: {
          keyId: c.a.key.id,
          subject: towardA.subject,
          purpose: 'ETREAT',
          resourceType: 'AllergyIntolerance',
          emergency: true,
        },
      }),
      201,
    );
    const withdrawal = await c.signedWithdrawal(towardA, consentId, 1);
    await c.ok(
      c.call('POST', `${consents()}/${consentId}/withdrawal`, {
        token: c.a.token,
        body: { keyId: c.a.key.id, ...withdrawal },
      }),
      200,
    );
    const message = { subject: towardA.subject, grantee: c.a.key.address, blocked: true };
    const deadline = (await c.chainTime()) + 600;
    const signature = await towardA.key.signTypedData(
      consentDomain(c.network.chainId, c.network.consentLedgerAddress),
      consentTypesOf('SetBlock'),
      { ...message, nonce: 2, deadline },
    );
    await c.ok(
      c.call('POST', `${consents()}/blocks`, {
        token: c.a.token,
        body: { keyId: c.a.key.id, ...message, nonce: 2, deadline, signature },
      }),
      200,
    );
    await deliveredUntil(() => ofType('/a', 'consent.blocked').length > 0, 'consent.blocked at A');
    expect(at('/a').map((delivery) => delivery.event.type)).toEqual([
      'consent.granted',
      'consent.emergency_access',
      'consent.revoked',
      'consent.blocked',
    ]);
    expect(ofType('/a', 'consent.emergency_access')[0]?.event.data).toMatchObject({
      subject: towardA.subject,
      grantee: c.a.key.address.toLowerCase(),
      purpose: 'ETREAT',
      resourceType: 'AllergyIntolerance',
    });
    expect(ofType('/a', 'consent.revoked')[0]?.event.data).toMatchObject({ consentId, subject: towardA.subject });
    expect(ofType('/a', 'consent.blocked')[0]?.event.data).toMatchObject({ subject: towardA.subject, blocked: true });
    expect(at('/b').map((delivery) => delivery.event.type)).toEqual(['consent.granted']);
  });

  it('carries nothing that names the patient: no address, DID, salt or pairwise key', () => {
    const everything = receiver.received.map((delivery) => delivery.body.toLowerCase()).join('\n');
    for (const secret of [patient.address, towardA.salt, towardA.key.address, towardA.didCommitment]) {
      expect(everything).not.toContain(secret.toLowerCase().slice(2));
    }
    expect(everything).not.toContain('did:ethr');
  });

  it('reads no log twice when the follower starts afresh on the same cursor, as after a restart', async () => {
    const stores = c.env.runtime.deps.stores;
    const before = await stores.consentCursors.get(c.network.id);
    expect(before?.block).toBeGreaterThan(0);
    const restarted = new ChainLogFollower(
      {
        webhooks: stores.webhooks,
        networks: stores.networks,
        nodes: stores.nodes,
        cursors: stores.consentCursors,
        logger: { info() {}, warn() {}, error() {} },
      },
      consentEventStream(stores.governance),
    );
    expect((await restarted.runOnce()).events).toBe(0);
    const count = receiver.received.length;
    await c.env.runtime.runEventsNow();
    expect(receiver.received).toHaveLength(count);
    expect(new Set(receiver.received.map((delivery) => `${delivery.path} ${delivery.id}`)).size).toBe(count);
  });
});
