/**
 * Organisations' signing keys are did:ethr identifiers: through the API a hospital sets a FHIR service endpoint
 * and adds a delegate on its key's DID (signed by that vault key, audited and metered), and the standard resolver
 * (`ethr-did-resolver` with `did-resolver`), pointed at a node's gateway URL with an API key as any outside party
 * would, resolves the hospital's DID with both, and a patient's DID from the key alone. An attribute value carrying
 * personal data is refused by the personal-data guard before anything is signed. Local runtime, real anvil.
 */
import { Resolver } from 'did-resolver';
import { Wallet } from 'ethers';
import { getResolver } from 'ethr-did-resolver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didOf } from '../../../shared/domain/did.ts';
import { type ConsentEnv, startConsentEnv } from '../../support/consent-fixture.ts';

let c: ConsentEnv;
let resolver: Resolver;
const FHIR_ENDPOINT = 'https://fhir.akademiska.example/fhir/R5';

beforeAll(async () => {
  c = await startConsentEnv();
  resolver = new Resolver(
    getResolver({
      networks: [
        {
          chainId: c.network.chainId,
          rpcUrl: `${c.env.runtime.url}/rpc/${c.b.nodeId}/${c.b.apiKey}`,
          registry: c.network.didRegistryAddress,
        },
      ],
    }),
  );
}, 180_000);

afterAll(async () => {
  await c?.close();
});

const didPath = () => `/v1/orgs/${c.a.orgId}/networks/${c.network.id}/dids/${c.a.key.id}`;

describe('an organisation key’s DID', () => {
  it('is shown with its DID document before anything is set', async () => {
    const shown = await c.ok(c.call('GET', didPath(), { token: c.a.token }), 200);
    expect(shown).toMatchObject({
      did: didOf(c.network.chainId, c.a.key.address),
      address: c.a.key.address,
      registryAddress: c.network.didRegistryAddress,
      document: { id: didOf(c.network.chainId, c.a.key.address) },
    });
  });

  it('gets a FHIR endpoint and a delegate set through the API, signed by the key, audited and metered', async () => {
    const attribute = await c.ok(
      c.call('POST', `${didPath()}/attributes`, {
        token: c.a.token,
        body: { name: 'did/svc/FhirEndpoint', value: FHIR_ENDPOINT, validitySeconds: 86_400 },
      }),
      201,
    );
    expect(attribute.did.document.service).toEqual([
      expect.objectContaining({ type: 'FhirEndpoint', serviceEndpoint: FHIR_ENDPOINT }),
    ]);
    const delegate = Wallet.createRandom();
    const added = await c.ok(
      c.call('POST', `${didPath()}/delegates`, {
        token: c.a.token,
        body: { delegateType: 'sigAuth', delegate: delegate.address },
      }),
      201,
    );
    expect(JSON.stringify(added.did.document.verificationMethod)).toContain(delegate.address);
    const audit = await c.ok(c.call('GET', `/v1/orgs/${c.a.orgId}/audit?limit=50`, { token: c.a.token }), 200);
    const actions = audit.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['did.attribute-set', 'did.delegate-added', 'signing-key.signed']));
    await c.env.runtime.usage.flush();
    const usage = await c.ok(c.call('GET', `/v1/orgs/${c.a.orgId}/usage?granularity=day`, { token: c.a.token }), 200);
    // Two registry transactions signed by the key, beside its governance vote in the fixture.
    expect(usage.meters.signatures.total).toBeGreaterThanOrEqual(3);
  });

  it('resolves through the gateway URL with the standard resolver, delegate and service included', async () => {
    const did = didOf(c.network.chainId, c.a.key.address);
    const { didDocument, didResolutionMetadata } = await resolver.resolve(did);
    expect(didResolutionMetadata.error).toBeUndefined();
    expect(didDocument?.id).toBe(did);
    expect(didDocument?.service).toEqual([
      expect.objectContaining({ type: 'FhirEndpoint', serviceEndpoint: FHIR_ENDPOINT }),
    ]);
    expect((didDocument?.verificationMethod ?? []).length).toBeGreaterThanOrEqual(2);
  });

  it('resolves a patient’s DID through the gateway from the key alone', async () => {
    const patient = Wallet.createRandom();
    const did = didOf(c.network.chainId, patient.address);
    const { didDocument } = await resolver.resolve(did);
    expect(didDocument?.id).toBe(did);
    expect(JSON.stringify(didDocument?.verificationMethod)).toContain(patient.address);
  });

  it('refuses an attribute value carrying personal data with 422, before the key signs anything', async () => {
    const rpc = `${c.env.runtime.url}/rpc/${c.a.nodeId}/${c.a.apiKey}`;
    const nonceOf = async () =>
      (
        await c.call('POST', rpc.slice(c.env.runtime.url.length), {
          body: { jsonrpc: '2.0', id: 1, method: 'eth_getTransactionCount', params: [c.a.key.address, 'pending'] },
        })
      ).json.result;
    const before = await nonceOf();
    const refused = await c.call('POST', `${didPath()}/attributes`, {
      token: c.a.token,
      body: { name: 'did/svc/Contact', value: 'mailto:astrid.lindqvist@example.se' },
    });
    expect(refused.status, refused.text).toBe(422);
    expect(refused.json.detail).toMatch(/calldata offset \d+: email/);
    expect(refused.text).not.toContain('astrid.lindqvist');
    expect(await nonceOf()).toBe(before);
  });

  it('refuses an attribute name outside the did:ethr conventions, and another organisation', async () => {
    const bad = await c.call('POST', `${didPath()}/attributes`, {
      token: c.a.token,
      body: { name: 'name/of/the/patient', value: 'x' },
    });
    expect(bad.status).toBe(400);
    const other = await c.call('POST', `${didPath()}/delegates`, {
      token: c.b.token,
      body: { delegateType: 'veriKey', delegate: c.b.key.address },
    });
    expect(other.status).toBe(404);
  });
});
