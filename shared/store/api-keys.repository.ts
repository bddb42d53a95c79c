/**
 * API keys. The secret is never stored: the item holds its SHA-256 (as the GSI1 key used to authenticate) and a
 * short visible prefix so people can tell their keys apart.
 */
import type { ApiKey } from '../domain/organisation.ts';
import { NotFoundError } from '../errors.ts';
import { gsi1, keys, prefixes } from './keys.ts';
import type { Item, ReadOptions, Table } from './table.ts';

type ApiKeyItem = Item & ApiKey & { version: number; secretHash: string };

export class ApiKeysRepository {
  constructor(private readonly table: Table) {}

  async create(key: ApiKey, secretHash: string): Promise<ApiKey> {
    await this.table.create<ApiKeyItem>({
      ...keys.apiKey(key.orgId, key.id),
      ...key,
      secretHash,
      version: 1,
      type: 'api-key',
      gsi1pk: gsi1.apiKeyHash(secretHash),
      gsi1sk: 'APIKEY',
    });
    return key;
  }

  async get(orgId: string, keyId: string, options: ReadOptions = {}): Promise<ApiKey | undefined> {
    const key = keys.apiKey(orgId, keyId);
    const item = await (options.recent ? this.table.getRecent<ApiKeyItem>(key) : this.table.get<ApiKeyItem>(key));
    return item ? toApiKey(item) : undefined;
  }

  async list(orgId: string): Promise<ApiKey[]> {
    const items = await this.table.queryAll<ApiKeyItem>(`ORG#${orgId}`, { beginsWith: prefixes.apiKey });
    return items.map(toApiKey);
  }

  /** The key whose secret hashes to `secretHash`, whatever its status. */
  async findBySecretHash(secretHash: string, options: ReadOptions = {}): Promise<ApiKey | undefined> {
    const lookUp = async () => {
      const page = await this.table.query<ApiKeyItem>(gsi1.apiKeyHash(secretHash), { index: 'gsi1', limit: 1 });
      return page.items[0];
    };
    const item = await (options.recent ? this.table.findRecent(`apiKeyHash#${secretHash}`, lookUp) : lookUp());
    // Re-read the base item: the index is eventually consistent, and a revocation must take effect at once (or,
    // from the recent items, within their bound).
    return item ? this.get(item.orgId, item.id, options) : undefined;
  }

  async revoke(orgId: string, keyId: string, at: Date): Promise<ApiKey> {
    const item = await this.table.get<ApiKeyItem>(keys.apiKey(orgId, keyId));
    if (!item) throw new NotFoundError('No such API key');
    if (item.status === 'revoked') return toApiKey(item);
    const updated = await this.table.update<ApiKeyItem>(keys.apiKey(orgId, keyId), item.version, {
      status: 'revoked',
      revokedAt: at.toISOString(),
    });
    return toApiKey(updated);
  }

  /** Best-effort, unversioned: last-used is informational and must not contend with revocation. */
  async touch(orgId: string, keyId: string, at: Date): Promise<void> {
    await this.table.increment(
      keys.apiKey(orgId, keyId),
      {},
      {
        set: { lastUsedAt: at.toISOString() },
        condition: { expression: 'attribute_exists(pk)' },
      },
    );
  }
}

function toApiKey(item: ApiKeyItem): ApiKey {
  return {
    id: item.id,
    orgId: item.orgId,
    name: item.name,
    prefix: item.prefix,
    scopes: item.scopes,
    status: item.status,
    createdAt: item.createdAt,
    createdBy: item.createdBy,
    lastUsedAt: item.lastUsedAt,
    revokedAt: item.revokedAt,
  };
}
