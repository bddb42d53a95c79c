/**
 * Consortium networks: permissioned, free-gas chains with their own chain id, consensus and validators.
 */
import type { BesuRelease } from './besu-release.ts';

export const CONSENSUS_PROTOCOLS = ['qbft', 'ibft2', 'clique'] as const;
export type ConsensusProtocol = (typeof CONSENSUS_PROTOCOLS)[number];

export const NETWORK_STATUSES = ['active', 'retired'] as const;
export type NetworkStatus = (typeof NETWORK_STATUSES)[number];

export interface Network {
  readonly id: string;
  readonly name: string;
  readonly chainId: number;
  readonly consensus: ConsensusProtocol;
  /** Seconds between blocks. @default 2 */
  readonly blockPeriodSeconds: number;
  /** Validator addresses (0x-prefixed, checksummed) in the genesis block. */
  readonly validators: readonly string[];
  /** enode URLs of the network's bootnodes. */
  readonly bootnodes: readonly string[];
  /** Pre-funded accounts; free-gas networks need none, but tests and tools may want some. */
  readonly alloc: Readonly<Record<string, { readonly balance: string }>>;
  readonly status: NetworkStatus;
  /**
   * The Besu release the network's nodes run, once a rolling upgrade set one; absent: the release the fleet
   * installs by default (the node fleet stack's pin, or the `besu` on the PATH locally).
   */
  readonly besuRelease?: BesuRelease;
  /** Address of the ConsortiumGovernance contract, once deployed. */
  readonly governanceAddress: string | undefined;
  /** Address of the ERC-1056 DID registry (did:ethr), once deployed. */
  readonly didRegistryAddress?: string | undefined;
  /** Address of the ConsentLedger contract, once deployed (after the governance contract, whose members relay). */
  readonly consentLedgerAddress?: string | undefined;
  readonly createdAt: string;
  readonly version: number;
}

/**
 * The contracts the platform deploys on every network, in the order it deploys them (the consent ledger asks the
 * governance contract who is a member), and the network field that names each once it is deployed.
 */
export const PLATFORM_CONTRACTS = ['governance', 'did-registry', 'consent-ledger'] as const;
export type PlatformContract = (typeof PLATFORM_CONTRACTS)[number];
export const CONTRACT_ADDRESS_FIELDS = {
  governance: 'governanceAddress',
  'did-registry': 'didRegistryAddress',
  'consent-ledger': 'consentLedgerAddress',
} as const satisfies Record<PlatformContract, keyof Network>;

/** The network every local installation starts with. */
export const DEFAULT_NETWORK = {
  name: 'carechain-dev',
  chainId: 1_337_777,
  consensus: 'qbft',
  blockPeriodSeconds: 2,
} as const satisfies Pick<Network, 'name' | 'chainId' | 'consensus' | 'blockPeriodSeconds'>;
