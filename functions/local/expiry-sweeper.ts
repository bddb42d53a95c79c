/**
 * dynalite has no TTL expiry: locally, items past `expiresAt` are deleted by this sweeper (reads already ignore
 * them). It scans, which is acceptable for a laptop's table and never done in AWS, where DynamoDB's TTL does it.
 */
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Logger } from '../../shared/observability/logger.ts';
import type { Key, Table } from '../../shared/store/table.ts';
import { itemOf, valuesOf } from '../../shared/store/table-attributes.ts';
import { TABLE } from '../../shared/store/table-schema.ts';

export function startExpirySweeper(table: Table, logger: Logger, clock: () => Date, intervalMs = 10 * 60_000) {
  let running: Promise<void> | undefined;
  const sweep = async () => {
    let removed = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await table.client.send(
        new ScanCommand({
          TableName: table.name,
          FilterExpression: '#ttl < :now',
          ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute },
          ExpressionAttributeValues: valuesOf({ ':now': Math.floor(clock().getTime() / 1000) }),
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const attributes of out.Items ?? []) {
        const { pk, sk } = itemOf<Key>(attributes) as Key;
        await table.delete({ pk, sk });
        removed++;
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    if (removed) logger.debug('expired items removed', { removed });
  };
  const timer = setInterval(() => {
    running ??= sweep()
      .catch((error: unknown) => logger.warn('expiry sweep failed', { error }))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
