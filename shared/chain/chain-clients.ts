/**
 * ethers' JSON-RPC provider and contract classes, and the vault signer that sends through them, loaded the first
 * time the process talks to a node: most of the API's requests (keys, members, billing, reports, signatures) never
 * do, and a cold start does not read them.
 *
 * Code a cold start reads imports ethers by subpath (`ethers/address`, `ethers/abi`, …), never the package's root,
 * `ethers/providers` or `ethers/contract`: esbuild puts a module reached both from a cold start and from a chunk
 * loaded later into a chunk the cold start reads, and the root re-exports all of ethers, so one import of it would
 * bring all of this back (docs/architecture.md, "Lambda bundles"). `ethers/wallet` reaches the provider too; an
 * import whose every use esbuild leaves out does not count, as the patient's pairwise `Wallet` in
 * shared/domain/patient-identity.ts, which only the console uses. The bundle test tells if one does.
 */
import { lazyOnce } from '../lazy-once.ts';

export type ChainClients = typeof import('./chain-client-classes.ts');

export const loadChainClients: () => Promise<ChainClients> = lazyOnce(() => import('./chain-client-classes.ts'));
