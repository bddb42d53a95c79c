/**
 * Creates the single table (with its indexes) where it does not exist yet: local mode and tests. In AWS the
 * table belongs to the CDK stack, which builds it from the same TABLE names.
 */
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PlatformError } from '../errors.ts';
import { GLOBAL_INDEXES, TABLE } from './table-schema.ts';

export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  const keys = GLOBAL_INDEXES;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        TABLE.partitionKey,
        TABLE.sortKey,
        ...keys.flatMap((g) => [g.partitionKey, g.sortKey]),
      ].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: keys.map((g) => ({
        IndexName: g.name,
        KeySchema: [
          { AttributeName: g.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: g.sortKey, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: g.projection },
      })),
    }),
  );
  // dynalite is started with createTableMs: 0, but wait for ACTIVE anyway so a slower emulator also works.
  for (let attempt = 0; attempt < 50; attempt++) {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new PlatformError(`Table ${tableName} did not become ACTIVE`);
}
