/**
 * What talking to a node takes of ethers (its JSON-RPC provider and contract classes) and the vault signer built on
 * its signer class, loaded by `loadChainClients` (chain-clients.ts) and nothing else: a bundle keeps them, with what
 * only they use, in a chunk of its own.
 */
export { Contract, ContractFactory } from 'ethers/contract';
export { JsonRpcProvider } from 'ethers/providers';
export { VaultSigner } from './vault-signer.ts';
