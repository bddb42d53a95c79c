/**
 * The append-only audit log of an organisation: entries are created, never updated or deleted.
 */
import { newId } from '../domain/ids.ts';
import type { AuditEntry } from '../domain/organisation.ts';
import { keys, prefixes } from './keys.ts';
import type { Item, Page, Table } from './table.ts';

type AuditItem = Item & AuditEntry;

export class AuditRepository {
  constructor(private readonly table: Table) {}

  /**
   * `indexedAs` also lists the entry in a GSI1 partition of its own (personal-data evidence by month), so a kind of
   * entry can be read without reading the whole log.
   */
  async append(entry: Omit<AuditEntry, 'id'>, indexedAs?: string): Promise<AuditEntry> {
    const full: AuditEntry = { ...entry, id: newId('audit') };
    await this.table.create<AuditItem>({
      ...keys.audit(full.orgId, full.at, full.id),
      ...full,
      type: 'audit',
      ...(indexedAs !== undefined && { gsi1pk: indexedAs, gsi1sk: `${full.at}#${full.id}` }),
    });
    return full;
  }

  /** Every entry listed under `indexedAs` (see `append`), oldest first. */
  async listIndexed(indexedAs: string): Promise<AuditEntry[]> {
    const items = await this.table.queryAll<AuditItem>(indexedAs, { index: 'gsi1' });
    return items.map(toAuditEntry);
  }

  async list(orgId: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<AuditEntry>> {
    const page = await this.table.query<AuditItem>(`ORG#${orgId}`, {
      beginsWith: prefixes.audit,
      newestFirst: true,
      limit: options.limit ?? 50,
      cursor: options.cursor,
    });
    return { items: page.items.map(toAuditEntry), cursor: page.cursor };
  }
}

function toAuditEntry(item: AuditItem): AuditEntry {
  return {
    id: item.id,
    orgId: item.orgId,
    at: item.at,
    actor: item.actor,
    action: item.action,
    target: item.target,
    requestId: item.requestId,
    details: item.details,
  };
}
