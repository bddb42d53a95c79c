/**
 * What a new installation needs before anyone uses it: the platform signing key (created once in the vault)
 * and, in local mode, the default consortium network.
 */
import { newId } from '../../../shared/domain/ids.ts';
import { DEFAULT_NETWORK, type Network } from '../../../shared/domain/network.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import type { KeyVault } from '../../../shared/ports/key-vault.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { PlatformKey, PlatformRepository } from '../../../shared/store/platform.repository.ts';

export async function ensurePlatformKey(
  vault: KeyVault,
  platform: PlatformRepository,
  now: Date,
): Promise<PlatformKey> {
  const existing = await platform.getSigningKey();
  if (existing) return existing;
  const created = await vault.createKey({
    orgId: PLATFORM_ORG_ID,
    alias: 'carechain-platform',
    description: 'CareChain platform key: signs SLA reports and deploys consortium contracts',
  });
  const { key, claimed } = await platform.claimSigningKey({
    keyRef: created.keyRef,
    address: created.address,
    createdAt: now.toISOString(),
  });
  // Two starts raced: keep the recorded key, retire the spare so nothing unused can sign.
  if (!claimed) await vault.scheduleDeletion(created.keyRef, 7);
  return key;
}

/** Where a new network's genesis validators come from: their addresses, and how to drop them if unused. */
export interface GenesisValidatorSource {
  validators(networkId: string): Promise<string[]>;
  discard?(networkId: string): Promise<void>;
}

/**
 * The default network, created on the first start. Its genesis validators come from `genesis`: the platform key
 * on the anvil runtime, node keys of genesis validators the platform runs on the Besu runtime. A start that loses a
 * race to create it drops the validators it made.
 */
export async function ensureDefaultNetwork(
  networks: NetworksRepository,
  genesis: GenesisValidatorSource,
  now: Date,
): Promise<{ network: Network; created: boolean }> {
  const existing = (await networks.list()).find((network) => network.name === DEFAULT_NETWORK.name);
  if (existing) return { network: existing, created: false };
  const id = newId('network');
  const ensured = await networks.ensure({
    id,
    name: DEFAULT_NETWORK.name,
    chainId: DEFAULT_NETWORK.chainId,
    consensus: DEFAULT_NETWORK.consensus,
    blockPeriodSeconds: DEFAULT_NETWORK.blockPeriodSeconds,
    validators: await genesis.validators(id),
    bootnodes: [],
    alloc: {},
    status: 'active',
    governanceAddress: undefined,
    createdAt: now.toISOString(),
    version: 1,
  });
  if (ensured.network.id !== id) await genesis.discard?.(id);
  return ensured;
}
