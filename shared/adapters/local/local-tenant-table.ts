/**
 * A DynamoDB client for the embedded database that acts as one organisation's tenant session does in AWS: IAM
 * allows the tenant role item reads and writes on the table (no index, no Scan) only where every partition key is
 * `ORG#${aws:PrincipalTag/carechain:org}` (`dynamodb:LeadingKeys`). This client applies the same rule before a
 * request leaves, and refuses with the error AWS answers (`AccessDeniedException`), so local mode refuses what AWS
 * refuses and the table maps it the same way.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TenantSession } from '../../ports/tenant-credentials.ts';
import { keys } from '../../store/keys.ts';
import { TABLE } from '../../store/table-schema.ts';
import { type EmbeddedDynamoConnection, embeddedDynamoClient } from './dynalite-server.ts';
import { LocalTenantCredentials } from './local-tenant-credentials.ts';

/** What the tenant role may do with the table, as in the CDK stack: items, never a Scan or an index. */
const ITEM_COMMANDS = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
]);

type Input = Record<string, unknown>;

/** AWS's answer to a request its policy does not allow. */
export class AccessDeniedException extends Error {
  override readonly name = 'AccessDeniedException';
}

export function tenantTableClient(
  connection: EmbeddedDynamoConnection,
  session: () => Promise<TenantSession>,
  clock: () => Date = () => new Date(),
): DynamoDBClient {
  const client = embeddedDynamoClient(connection);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const orgId = LocalTenantCredentials.organisationOf(await session(), clock());
      const allowed = keys.org(orgId).pk;
      const command = String(context.commandName);
      const leading = leadingKeysOf(command, args.input as Input);
      if (!ITEM_COMMANDS.has(command) || leading === undefined || leading.some((key) => key !== allowed)) {
        throw new AccessDeniedException(
          `The tenant session of ${orgId} is not authorized to perform ${command.replace(/Command$/, '')} on ` +
            `partition(s) ${leading?.join(', ') || '(none)'}: only ${allowed}`,
        );
      }
      return next(args);
    },
    { step: 'initialize', name: 'tenantLeadingKeys', priority: 'high' },
  );
  return client;
}

/** The partition keys a request touches, as `dynamodb:LeadingKeys` lists them; undefined when an index is read. */
function leadingKeysOf(command: string, input: Input): string[] | undefined {
  const key = (item: unknown) => attribute((item as Input | undefined)?.[TABLE.partitionKey]);
  switch (command) {
    case 'GetItemCommand':
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return [key(input.Key)];
    case 'PutItemCommand':
      return [key(input.Item)];
    case 'QueryCommand':
      return input.IndexName === undefined ? [queriedPartition(input)] : undefined;
    case 'BatchGetItemCommand':
      return Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>).flatMap((request) =>
        (request.Keys ?? []).map(key),
      );
    case 'BatchWriteItemCommand':
      return Object.values((input.RequestItems ?? {}) as Record<string, Input[]>).flatMap((requests) =>
        requests.map((request) =>
          key((request.PutRequest as Input | undefined)?.Item ?? (request.DeleteRequest as Input | undefined)?.Key),
        ),
      );
    default:
      return [];
  }
}

/** The value a Query's key condition binds to the partition key (`#pk = :pk`, or `pk = :pk`). */
function queriedPartition(input: Input): string {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  for (const [, name, value] of String(input.KeyConditionExpression ?? '').matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    if ((names[name as string] ?? name) === TABLE.partitionKey) return attribute(values[value as string]);
  }
  return '';
}

/** A string attribute's value (the table sends attribute values: `{ S: 'ORG#…' }`), or '' for anything else. */
function attribute(value: unknown): string {
  const text = (value as { S?: unknown } | undefined)?.S;
  return typeof text === 'string' ? text : '';
}
