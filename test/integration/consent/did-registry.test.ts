/**
 * The published ERC-1056 registry on a real anvil chain, read by the standard resolver (`ethr-did-resolver` with
 * `did-resolver`): a hospital key's DID shows the delegate and the service endpoint set on it, and a patient's DID
 * resolves from the key alone, with nothing of the patient on chain. The deployed code is the published artefact's,
 * byte for byte.
 */
import { Resolver } from 'did-resolver';
import { type Contract, hexlify, toUtf8Bytes } from 'ethers';
import { getResolver } from 'ethr-did-resolver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attributeNameWord,
  delegateTypeWord,
  deployDidRegistry,
  didRegistryArtefact,
  isDidRegistry,
} from '../../../shared/chain/contracts/did-registry.ts';
import { didOf } from '../../../shared/domain/did.ts';
import { type AnvilChain, send, startAnvil } from '../governance/anvil-chain.ts';

let chain: AnvilChain;
let registry: Contract;
let resolver: Resolver;
let chainId: number;

beforeAll(async () => {
  chain = await startAnvil();
  registry = await deployDidRegistry(chain.newWallet(), { gasPrice: 0n });
  chainId = Number((await chain.provider.getNetwork()).chainId);
  resolver = new Resolver(
    getResolver({ networks: [{ chainId, rpcUrl: chain.url, registry: await registry.getAddress() }] }),
  );
}, 60_000);

afterAll(async () => {
  await chain?.stop();
});

describe('the ERC-1056 registry', () => {
  it('is the published contract, byte for byte', async () => {
    const code = await chain.provider.getCode(await registry.getAddress());
    expect(code).toBe((await didRegistryArtefact()).deployedBytecode);
    expect(await isDidRegistry(registry)).toBe(true);
  });

  it('resolves a hospital key’s DID with the delegate and service endpoint set on it', async () => {
    const hospital = chain.newWallet();
    const delegate = chain.newWallet();
    await send(
      registry,
      hospital,
      'addDelegate',
      hospital.address,
      delegateTypeWord('sigAuth'),
      delegate.address,
      86_400,
    );
    const endpoint = 'https://fhir.region-uppsala.example/fhir';
    await send(
      registry,
      hospital,
      'setAttribute',
      hospital.address,
      attributeNameWord('did/svc/FhirEndpoint'),
      hexlify(toUtf8Bytes(endpoint)),
      86_400,
    );
    const did = didOf(chainId, hospital.address);
    const { didDocument, didResolutionMetadata } = await resolver.resolve(did);
    expect(didResolutionMetadata.error).toBeUndefined();
    expect(didDocument?.id).toBe(did);
    const methods = JSON.stringify(didDocument?.verificationMethod);
    expect(methods).toContain(delegate.address);
    expect(didDocument?.service).toEqual([
      expect.objectContaining({ type: 'FhirEndpoint', serviceEndpoint: endpoint }),
    ]);
  });

  it('resolves a patient’s DID from the key alone', async () => {
    const patient = chain.newWallet();
    const did = didOf(chainId, patient.address);
    const { didDocument } = await resolver.resolve(did);
    expect(didDocument?.id).toBe(did);
    expect(JSON.stringify(didDocument?.verificationMethod)).toContain(patient.address);
    expect(didDocument?.service ?? []).toEqual([]);
  });
});
