/**
 * The ERC-1056 `EthereumDIDRegistry` as published (the `ethr-did-registry` package's compiled artefact, deployed
 * unchanged), so `did:ethr` identifiers on CareChain networks resolve with the standard resolver
 * (`ethr-did-resolver`) pointed at a node. The platform deploys it on every network; organisations' keys set
 * delegates and attributes on their own DIDs through the API. Patients' DIDs need nothing on chain: a DID without
 * changes resolves to its key alone, which is what keeps patients off the ledger.
 */

import {
  type BaseContract,
  Contract,
  ContractFactory,
  type ContractRunner,
  encodeBytes32String,
  Interface,
  type InterfaceAbi,
  type Overrides,
  type Signer,
} from 'ethers';
import registry from 'ethr-did-registry';
import type { DelegateType } from '../../domain/did.ts';

const artefact = registry.EthereumDIDRegistry;

export const DID_REGISTRY_ABI: InterfaceAbi = artefact.abi as InterfaceAbi;
export const DID_REGISTRY_BYTECODE: string = artefact.bytecode;
/** What a deployed registry's code must be, byte for byte. */
export const DID_REGISTRY_DEPLOYED_BYTECODE: string = artefact.deployedBytecode;
export const didRegistryInterface = new Interface(DID_REGISTRY_ABI);

export async function deployDidRegistry(signer: Signer, overrides: Overrides = {}): Promise<Contract> {
  const factory = new ContractFactory(DID_REGISTRY_ABI, DID_REGISTRY_BYTECODE, signer);
  const contract = await factory.deploy(overrides);
  await contract.waitForDeployment();
  return contract as Contract;
}

export function connectDidRegistry(address: string, runner: ContractRunner): Contract {
  return new Contract(address, DID_REGISTRY_ABI, runner);
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
  return code.toLowerCase() === DID_REGISTRY_DEPLOYED_BYTECODE.toLowerCase();
}
