/**
 * Organisations' DIDs: every signing key is a did:ethr identifier on each network (ERC-1056), resolved with the
 * standard resolver (`ethr-did-resolver` with `did-resolver`) against the network's registry through a node the
 * platform runs. The key itself, in the vault, signs the registry calls that add a delegate or set an attribute
 * on its own DID (a FHIR service endpoint, say); each is recorded like any signature of the key (audited and
 * metered) and audited as a DID change. What the key writes passes the personal-data guard first, like any
 * transaction of the signing API: an attribute's value is free text on the chain.
 *
 * The resolver (which requires the whole of ethers as CommonJS) is loaded at the first resolution, not at every cold
 * start of the API.
 */
import type { Resolver } from 'did-resolver';
import { hexlify, isHexString, toUtf8Bytes } from 'ethers/utils';
import {
  attributeNameWord,
  delegateTypeWord,
  didRegistryArtefact,
} from '../../../shared/chain/contracts/did-registry.ts';
import { didOf } from '../../../shared/domain/did.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { InvalidStateError, NotFoundError, UpstreamError, ValidationError } from '../../../shared/errors.ts';
import { commonJsExports, lazyOnce } from '../../../shared/lazy-once.ts';
import type { AddDidDelegate, SetDidAttribute } from '../../../shared/schemas/did.schemas.ts';
import type { SigningKey } from '../../../shared/store/signing-keys.repository.ts';
import { appendAudit, type ChangeAuthor } from '../audit/audit-trail.ts';
import type { ConsentDeps } from '../consent/consent-deps.ts';
import { guardPersonalData } from '../data-protection/personal-data-guard.ts';
import { anyEndpoint, endpointFor } from '../governance/governance-acting.ts';
import { chainFailure, type SentCall, sendContractCall } from '../governance/governance-chain.ts';
import { recordSignature } from '../signing/signature-record.ts';

type RegistryNetwork = Network & { readonly didRegistryAddress: string };

/**
 * The DID resolver at its first use. `ethr-did-resolver` is CommonJS (see `commonJsExports`); `did-resolver` is an
 * ES module.
 */
export const loadDidResolution = lazyOnce(async () => {
  const [{ Resolver }, ethr] = await Promise.all([import('did-resolver'), import('ethr-did-resolver')]);
  return { Resolver, getResolver: commonJsExports(ethr, 'getResolver').getResolver };
});

export class OrgDidsService {
  constructor(private readonly deps: ConsentDeps) {}

  async show(orgId: string, keyId: string, networkId: string) {
    const [key, network] = await Promise.all([this.key(orgId, keyId), this.network(networkId)]);
    return this.resolve(key, network);
  }

  async addDelegate(author: ChangeAuthor, orgId: string, keyId: string, networkId: string, body: AddDidDelegate) {
    const args = [body.delegateType, body.delegate, body.validitySeconds];
    return this.change(author, orgId, keyId, networkId, 'addDelegate', args, (key) => [
      key.address,
      delegateTypeWord(body.delegateType),
      body.delegate,
      body.validitySeconds,
    ]);
  }

  async setAttribute(author: ChangeAuthor, orgId: string, keyId: string, networkId: string, body: SetDidAttribute) {
    const isKeyInHex = body.name.endsWith('/hex');
    if (isKeyInHex && !isHexString(body.value)) {
      throw new ValidationError('A did/pub/…/hex attribute takes the public key in 0x-hex', [
        { path: 'body.value', message: 'Not 0x-hex' },
      ]);
    }
    const value = isKeyInHex ? body.value : hexlify(toUtf8Bytes(body.value));
    return this.change(author, orgId, keyId, networkId, 'setAttribute', [body.name, body.validitySeconds], (key) => [
      key.address,
      attributeNameWord(body.name),
      value,
      body.validitySeconds,
    ]);
  }

  private async change(
    author: ChangeAuthor,
    orgId: string,
    keyId: string,
    networkId: string,
    method: 'addDelegate' | 'setAttribute',
    audited: unknown[],
    args: (key: SigningKey) => unknown[],
  ) {
    const [key, network] = await Promise.all([this.key(orgId, keyId), this.network(networkId)]);
    if (key.state !== 'enabled') throw new InvalidStateError(`The signing key is ${key.state} and cannot sign`);
    const endpoint = await endpointFor(this.deps.stores, network, orgId);
    const callArgs = args(key);
    const { iface } = await didRegistryArtefact();
    // An attribute's value (a service endpoint URL or JSON) is free text written to the chain.
    await guardPersonalData(
      { ...this.deps, ...this.deps.dataProtection },
      {
        orgId,
        channel: 'signing-api',
        author,
        keyId: key.id,
        networkId: network.id,
        nodeId: endpoint.nodeId,
        contract: network.didRegistryAddress,
        content: {
          kind: 'transaction',
          to: network.didRegistryAddress,
          data: iface.encodeFunctionData(method, callArgs),
        },
      },
    );
    const target = {
      address: network.didRegistryAddress,
      iface,
      refusal: () => undefined,
    };
    const sent: SentCall = await sendContractCall(
      endpoint,
      { vault: this.deps.vault, keyRef: key.keyRef, address: key.address },
      target,
      method,
      callArgs,
      { receiptTimeoutMs: this.deps.receiptTimeoutMs },
    );
    await recordSignature(this.deps, author, {
      orgId,
      keyId: key.id,
      address: key.address,
      purpose: 'transaction',
      digest: sent.hash,
      details: { nodeId: endpoint.nodeId, nonce: sent.nonce, didRegistry: method },
    });
    const did = didOf(network.chainId, key.address);
    await appendAudit(this.deps, author.requestId, {
      orgId,
      actor: author.actor,
      action: method === 'addDelegate' ? 'did.delegate-added' : 'did.attribute-set',
      target: key.id,
      details: {
        networkId: network.id,
        did,
        transactionHash: sent.hash,
        ...(method === 'addDelegate'
          ? { delegateType: audited[0], delegate: audited[1], validitySeconds: audited[2] }
          : { name: audited[0], validitySeconds: audited[1] }),
      },
    });
    return { transactionHash: sent.hash, blockNumber: sent.receipt.blockNumber, did: await this.resolve(key, network) };
  }

  /** The key's DID document, as the standard resolver reads it from the network's registry. */
  private async resolve(key: SigningKey, network: RegistryNetwork) {
    const endpoint = await anyEndpoint(this.deps.stores, network);
    const { Resolver: DidResolver, getResolver } = await loadDidResolution();
    const resolver = new DidResolver(
      getResolver({
        networks: [{ chainId: network.chainId, rpcUrl: endpoint.rpcUrl, registry: network.didRegistryAddress }],
      }),
    );
    const did = didOf(network.chainId, key.address);
    let resolved: Awaited<ReturnType<Resolver['resolve']>>;
    try {
      resolved = await resolver.resolve(did);
    } catch (error) {
      throw chainFailure(error, 'DID resolution');
    }
    if (!resolved.didDocument) {
      throw new UpstreamError(
        `The DID could not be resolved: ${resolved.didResolutionMetadata.error ?? 'no document'}`,
      );
    }
    return {
      did,
      address: key.address,
      keyId: key.id,
      registryAddress: network.didRegistryAddress,
      document: resolved.didDocument as unknown as Record<string, unknown>,
    };
  }

  private async key(orgId: string, keyId: string): Promise<SigningKey> {
    const key = await this.deps.stores.signingKeys.get(orgId, keyId);
    if (!key) throw new NotFoundError('No such signing key');
    return key;
  }

  private async network(networkId: string): Promise<RegistryNetwork> {
    const network = await this.deps.stores.networks.get(networkId);
    if (!network) throw new NotFoundError('No such network');
    if (!network.didRegistryAddress) {
      throw new InvalidStateError(
        'The network’s DID registry is not deployed yet: the control plane deploys it after the governance ' +
          'contract, once a node of the network runs',
      );
    }
    return network as RegistryNetwork;
  }
}
