/**
 * ethers' JSON-RPC provider and contract classes, and the vault signer that sends through them, loaded the first
 * time the process talks to a node: most of the API's requests (keys, members, billing, reports, signatures) never
 * do, and a cold start does not read them.
 *
 * Code a cold start reads imports ethers by subpath (`ethers/address`, `ethers/abi`, …), never the package's root,
 * `ethers/providers`, `ethers/contract` or `ethers/wallet`: esbuild puts a module reached both from a cold start and
 * from a chunk loaded later into a chunk the cold start reads, and the root re-exports all of ethers, so one import
 * of it would bring all of this back (docs/architecture.md, "Lambda bundles").
 */
import { lazyOnce } from '../lazy-once.ts';

export type ChainClients = typeof import('./chain-client-classes.ts');

export const loadChainClients: () => Promise<ChainClients> = lazyOnce(() => import('./chain-client-classes.ts'));
