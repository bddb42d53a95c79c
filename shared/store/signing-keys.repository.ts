/**
 * Signing keys of an organisation as the control plane knows them: alias, address, public key, state and the
 * vault's reference. Never key material: the private key stays in the vault (KMS or the local vault).
 */
import type { KeyState } from '../ports/key-vault.ts';
import { keys } from './keys.ts';
import type { Item, ReadOptions, Table } from './table.ts';

export interface SigningKey {
  readonly id: string;
  readonly orgId: string;
  readonly alias: string;
  readonly description: string | undefined;
  readonly address: string;
  readonly publicKey: string;
  readonly keyRef: string;
  readonly state: KeyState;
  readonly deletionDate: string | undefined;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly version: number;
}

type SigningKeyItem = Item & SigningKey;

export class SigningKeysRepository {
  constructor(private readonly table: Table) {}

  async create(key: SigningKey): Promise<SigningKey> {
    await this.table.create<SigningKeyItem>({ ...keys.signingKey(key.orgId, key.id), ...key, type: 'signing-key' });
    return key;
  }

  async get(orgId: string, keyId: string, options: ReadOptions = {}): Promise<SigningKey | undefined> {
    const key = keys.signingKey(orgId, keyId);
    const item = await (options.recent
      ? this.table.getRecent<SigningKeyItem>(key)
      : this.table.get<SigningKeyItem>(key));
    return item ? toSigningKey(item) : undefined;
  }

  async list(orgId: string): Promise<SigningKey[]> {
    const items = await this.table.queryAll<SigningKeyItem>(`ORG#${orgId}`, { beginsWith: 'KEY#' });
    return items.map(toSigningKey);
  }

  async setState(key: SigningKey, state: KeyState, deletionDate?: string): Promise<SigningKey> {
    const updated = await this.table.update<SigningKeyItem>(keys.signingKey(key.orgId, key.id), key.version, {
      state,
      deletionDate,
    });
    return toSigningKey(updated);
  }
}

function toSigningKey(item: SigningKeyItem): SigningKey {
  return {
    id: item.id,
    orgId: item.orgId,
    alias: item.alias,
    description: item.description,
    address: item.address,
    publicKey: item.publicKey,
    keyRef: item.keyRef,
    state: item.state,
    deletionDate: item.deletionDate,
    createdAt: item.createdAt,
    createdBy: item.createdBy,
    version: item.version,
  };
}
