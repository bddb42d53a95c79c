/**
 * Platform-wide records: the platform's own signing key (which signs SLA reports and deploys governance
 * contracts). Only the vault reference and the address are stored; the key never leaves the vault.
 */
import type { Item, Table } from './table.ts';

export interface PlatformKey {
  readonly keyRef: string;
  readonly address: string;
  readonly createdAt: string;
}

const PLATFORM_KEY = { pk: 'PLATFORM', sk: 'SIGNING_KEY' } as const;

export class PlatformRepository {
  constructor(private readonly table: Table) {}

  async getSigningKey(): Promise<PlatformKey | undefined> {
    const item = await this.table.get<Item & PlatformKey>(PLATFORM_KEY);
    return item ? { keyRef: item.keyRef, address: item.address, createdAt: item.createdAt } : undefined;
  }

  /** Records the platform key unless one is recorded already; returns the one that counts. */
  async claimSigningKey(key: PlatformKey): Promise<{ key: PlatformKey; claimed: boolean }> {
    try {
      await this.table.create({ ...PLATFORM_KEY, ...key, type: 'platform-key' });
      return { key, claimed: true };
    } catch (error) {
      const existing = await this.getSigningKey();
      if (existing) return { key: existing, claimed: false };
      throw error;
    }
  }
}
