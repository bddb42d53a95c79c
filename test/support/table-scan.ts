/**
 * Every item of a table, read by scanning it page after page: for tests that look at everything stored (that no
 * secret or personal data is in any item). Never done by the product itself, except by the local expiry sweeper.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Table } from '../../shared/store/table.ts';
import { type Attributes, itemOf } from '../../shared/store/table-attributes.ts';

export async function scanItems(table: Table): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Attributes | undefined;
  do {
    const out = await table.client.send(new ScanCommand({ TableName: table.name, ExclusiveStartKey: startKey }));
    for (const attributes of out.Items ?? []) items.push(itemOf(attributes) as Record<string, unknown>);
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}
