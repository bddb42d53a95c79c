/**
 * The ERC-1056 `EthereumDIDRegistry` as published (the `ethr-did-registry` package's compiled artefact, deployed
 * unchanged), so `did:ethr` identifiers on CareChain networks resolve with the standard resolver
 * (`ethr-did-resolver`) pointed at a node. The platform deploys it on every network; organisations' keys set
 * delegates and attributes on their own DIDs through the API. Patients' DIDs need nothing on chain: a DID without
 * changes resolves to its key alone, which is what keeps patients off the ledger.
 */

import type { BaseContract, Contract, InterfaceAbi, Overrides, Signer } from 'ethers';
import { encodeBytes32String, Interface } from 'ethers/abi';
import type { DelegateType } from '../../domain/did.ts';
import { commonJsExports, lazyOnce } from '../../lazy-once.ts';
import { loadChainClients } from '../chain-clients.ts';

export interface DidRegistryArtefact {
  readonly abi: InterfaceAbi;
  readonly bytecode: string;
  /** What a deployed registry's code must be, byte for byte. */
  readonly deployedBytecode: string;
  readonly iface: Interface;
}

/**
 * The published artefact, loaded at its first use (a DID change or a deployment): its code is most of its 28 KB,
 * and the package gives the ABI only with it.
 */
export const didRegistryArtefact = lazyOnce(async (): Promise<DidRegistryArtefact> => {
  const { EthereumDIDRegistry: artefact } = commonJsExports(await import('ethr-did-registry'), 'EthereumDIDRegistry');
  const abi = artefact.abi as InterfaceAbi;
  return { abi, bytecode: artefact.bytecode, deployedBytecode: artefact.deployedBytecode, iface: new Interface(abi) };
});

export async function deployDidRegistry(signer: Signer, overrides: Overrides = {}): Promise<Contract> {
  const [{ abi, bytecode }, { ContractFactory }] = await Promise.all([didRegistryArtefact(), loadChainClients()]);
  const factory = new ContractFactory(abi, bytecode, signer);
  const contract = await factory.deploy(overrides);
  await contract.waitForDeployment();
  return contract as Contract;
}

export function delegateTypeWord(type: DelegateType): string {
  return encodeBytes32String(type);
}

/**
 * An attribute name in the did:ethr conventions, e.g. `did/svc/FhirEndpoint` (a service endpoint) or
 * `did/pub/Secp256k1/veriKey/hex` (a public key); names are at most 31 bytes.
 */
export function attributeNameWord(name: string): string {
  return encodeBytes32String(name);
}

export async function isDidRegistry(contract: BaseContract): Promise<boolean> {
  const runner = contract.runner;
  const provider = runner && 'provider' in runner ? runner.provider : undefined;
  if (!provider) return false;
  const code = await provider.getCode(await contract.getAddress());
  return code.toLowerCase() === (await didRegistryArtefact()).deployedBytecode.toLowerCase();
}
