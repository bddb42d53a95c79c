/**
 * A thin typed layer over DynamoDB for the single-table design. Every write is one item, conditional: `create`
 * needs the key to be new, `update` needs the version it read. (dynalite has no transactions, and per-item
 * conditions are what make retries and crashes safe in both modes.)
 *
 * Items are converted to and from DynamoDB's attribute values here (table-attributes.ts), as lib-dynamodb's
 * document client would, so that the client may resolve its middleware once per command class
 * (`cacheMiddleware`), which the document client refuses.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { OutboxEntry } from '../domain/events.ts';
import { ConflictError, PlatformError, TenantAccessDeniedError } from '../errors.ts';
import { OUTBOX_ATTRIBUTE, outboxIndexKeys } from './outbox-attributes.ts';
import { decodeCursor, encodeCursor } from './page-cursor.ts';
import type { RecentItems } from './recent-items.ts';
import { attributesOf, itemOf, valuesOf } from './table-attributes.ts';
import { type GlobalIndexName, type Key, TABLE } from './table-schema.ts';

export { OUTBOX_ATTRIBUTE, outboxAttributes, outboxIndexKeys } from './outbox-attributes.ts';
export type { Key } from './table-schema.ts';

/** How a repository read may be answered. */
export interface ReadOptions {
  /**
   * From the items this process read recently (`Table.getRecent`): for a request's hot path, where a change made
   * by another process may take the recent items' bound to be seen. @default false
   */
  readonly recent?: boolean;
}
export type Item = Key & Record<string, unknown>;

export interface Page<T> {
  readonly items: T[];
  /** Opaque; pass back as `cursor` to continue. */
  readonly cursor: string | undefined;
}

/** An extra guard on a write. Attribute names are written `#name` and must be listed in `names`. */
export interface Condition {
  readonly expression: string;
  readonly values?: Record<string, unknown>;
  readonly names?: Record<string, string>;
}

export interface QueryOptions {
  readonly index?: GlobalIndexName;
  readonly beginsWith?: string;
  /** Inclusive sort-key range. */
  readonly between?: readonly [string, string];
  readonly limit?: number;
  readonly cursor?: string;
  readonly newestFirst?: boolean;
  readonly consistent?: boolean;
}

/** Thrown when a conditional write finds the item in another state than the caller expected. */
export class ConditionFailedError extends ConflictError {}

export interface TableOptions {
  /**
   * The organisation whose tenant session the client holds (its partition `ORG#<orgId>` only). A refusal is then
   * the tenant boundary's (another organisation's item); without it, the deployment's (a missing grant).
   * @default the function's own credentials
   */
  readonly scopedTo?: string;
  /**
   * Items this process read recently, shared by every table of the process: `getRecent` and the other `…Recent`
   * reads answer from it within its staleness bound, and every write here forgets what depends on it.
   * @default none: every read goes to the table
   */
  readonly recent?: RecentItems;
}

/** An UpdateItem's expression, the names and values it uses, and its condition. */
interface UpdateInput {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
  readonly condition: string | undefined;
  /** Whether the item is read back as the update left it (`ALL_NEW`); otherwise nothing is read back. */
  readonly returnsItem: boolean;
}

/** An item's key as attribute values. */
function keyOf(key: Key) {
  return attributesOf({ pk: key.pk, sk: key.sk });
}

export class Table {
  readonly scopedTo: string | undefined;
  /** The recent items this table shares with the process's other tables (tenant tables are given the same). */
  readonly recent: RecentItems | undefined;

  constructor(
    /** The client of the table: for what the methods below do not offer (the local expiry sweeper's scan). */
    readonly client: DynamoDBClient,
    readonly name: string,
    private readonly now: () => Date = () => new Date(),
    options: TableOptions = {},
  ) {
    this.scopedTo = options.scopedTo;
    this.recent = options.recent;
  }

  /**
   * `get` for a request's hot path: answered from the recent items while fresh (a change made by another process is
   * seen within their bound; this process's own writes at once). Tenant tables keep their own entries, so the
   * tenant boundary still decides every item they read.
   */
  async getRecent<T extends Item>(key: Key): Promise<T | undefined> {
    if (!this.recent) return this.get<T>(key);
    const item = await this.recent.read(
      `${this.scopedTo ?? ''}\u0000get\u0000${key.pk}\u0000${key.sk}`,
      () => [{ pk: key.pk, sk: key.sk }],
      () => this.get<T>(key),
    );
    return item && !this.isExpired(item) ? item : undefined;
  }

  /** `queryAll` of a partition's items under a sort-key prefix, for a hot path, as `getRecent`. */
  async queryAllRecent<T extends Item>(partition: string, beginsWith: string): Promise<T[]> {
    if (!this.recent) return this.queryAll<T>(partition, { beginsWith });
    const items = await this.recent.read(
      `${this.scopedTo ?? ''}\u0000query\u0000${partition}\u0000${beginsWith}`,
      () => [{ pk: partition, prefix: beginsWith }],
      () => this.queryAll<T>(partition, { beginsWith }),
    );
    return items.filter((item) => !this.isExpired(item));
  }

  /**
   * An index look-up of one item (`find`) for a hot path: kept only when it finds an item, and forgotten when that
   * item is written here; `id` names the look-up.
   */
  async findRecent<T extends Item>(id: string, find: () => Promise<T | undefined>): Promise<T | undefined> {
    if (!this.recent) return find();
    const item = await this.recent.read(
      `${this.scopedTo ?? ''}\u0000find\u0000${id}`,
      (found) => (found ? [{ pk: found.pk, sk: found.sk }] : []),
      find,
    );
    return item && !this.isExpired(item) ? item : undefined;
  }

  async get<T extends Item>(key: Key, consistent = true): Promise<T | undefined> {
    const out = await this.guarded(() =>
      this.client.send(new GetItemCommand({ TableName: this.name, Key: keyOf(key), ConsistentRead: consistent })),
    );
    const item = itemOf<T>(out.Item);
    return item && !this.isExpired(item) ? item : undefined;
  }

  /** Writes a new item; fails with ConditionFailedError if the key already exists. */
  async create<T extends Item>(item: T, message = 'It already exists'): Promise<T> {
    await this.conditional(
      () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.name,
            Item: attributesOf(item),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      message,
      item,
    );
    return item;
  }

  /** Writes an item whatever is there: only for items nothing else reads-modifies-writes (counter windows). */
  async replace<T extends Item>(item: T): Promise<T> {
    try {
      await this.guarded(() =>
        this.client.send(new PutItemCommand({ TableName: this.name, Item: attributesOf(item) })),
      );
    } finally {
      this.recent?.written(item);
    }
    return item;
  }

  /**
   * Sets attributes on an existing item if it still has `expectedVersion`, and bumps the version.
   * `extraCondition` adds a guard (e.g. the state a transition starts from). `events` are appended to the item's
   * outbox in the same write: the change and the events it causes are stored together or not at all.
   */
  async update<T extends Item>(
    key: Key,
    expectedVersion: number,
    changes: Record<string, unknown>,
    options: {
      remove?: readonly string[];
      extraCondition?: Condition;
      events?: readonly OutboxEntry[];
    } = {},
  ): Promise<T> {
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': expectedVersion, ':next': expectedVersion + 1 };
    const sets = ['#version = :next'];
    let i = 0;
    for (const [attribute, value] of Object.entries(changes)) {
      if (value === undefined || attribute === 'version' || attribute === 'pk' || attribute === 'sk') continue;
      names[`#a${i}`] = attribute;
      values[`:v${i}`] = value;
      sets.push(`#a${i} = :v${i}`);
      i++;
    }
    if (options.events && options.events.length > 0) {
      names['#outbox'] = OUTBOX_ATTRIBUTE;
      values[':events'] = options.events;
      values[':noEvents'] = [];
      sets.push('#outbox = list_append(if_not_exists(#outbox, :noEvents), :events)');
      for (const [attribute, value] of Object.entries(outboxIndexKeys(key))) {
        names[`#a${i}`] = attribute;
        values[`:v${i}`] = value;
        sets.push(`#a${i} = :v${i}`);
        i++;
      }
    }
    const removes = (options.remove ?? []).map((attribute, j) => {
      names[`#r${j}`] = attribute;
      return `#r${j}`;
    });
    let condition = 'attribute_exists(pk) AND #version = :expected';
    if (options.extraCondition) {
      condition += ` AND (${options.extraCondition.expression})`;
      Object.assign(values, options.extraCondition.values);
      Object.assign(names, options.extraCondition.names);
    }
    const update = `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`;
    const message = 'It was changed by someone else; read it again and retry';
    const updated = await this.updateItem(
      key,
      { expression: update, names, values, condition, returnsItem: true },
      message,
    );
    return updated as T;
  }

  /** Atomically adds to numeric attributes (single item, no version check) and sets others. */
  async increment(
    key: Key,
    deltas: Record<string, number>,
    options: {
      set?: Record<string, unknown>;
      condition?: Condition;
    } = {},
  ): Promise<Item> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const adds: string[] = [];
    const sets: string[] = [];
    Object.entries(deltas).forEach(([attribute, delta], i) => {
      names[`#d${i}`] = attribute;
      values[`:d${i}`] = delta;
      adds.push(`#d${i} :d${i}`);
    });
    Object.entries(options.set ?? {}).forEach(([attribute, value], i) => {
      names[`#s${i}`] = attribute;
      values[`:s${i}`] = value;
      sets.push(`#s${i} = :s${i}`);
    });
    if (options.condition) {
      Object.assign(values, options.condition.values);
      Object.assign(names, options.condition.names);
    }
    const expression = [adds.length ? `ADD ${adds.join(', ')}` : '', sets.length ? `SET ${sets.join(', ')}` : '']
      .filter(Boolean)
      .join(' ');
    const update = { expression, names, values, condition: options.condition?.expression, returnsItem: true };
    return (await this.updateItem(key, update, 'The condition for this change no longer holds')) as Item;
  }

  /**
   * An update written as its expression, made only if `condition` holds: true when it was made, false when the
   * condition did not hold. For updates of a shape `update` does not offer (an outbox's entries by position).
   */
  async updateIf(key: Key, expression: string, condition: Required<Condition>): Promise<boolean> {
    const { expression: guard, names, values } = condition;
    try {
      const update = { expression, names, values, condition: guard, returnsItem: false };
      await this.updateItem(key, update, 'The condition no longer holds');
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /** Deletes an item; with `condition`, only if it holds. Returns whether an item was deleted. */
  async delete(key: Key, condition?: Condition): Promise<boolean> {
    const out = await this.conditional(
      () =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.name,
            Key: keyOf(key),
            ConditionExpression: condition?.expression,
            ExpressionAttributeValues: valuesOf(condition?.values),
            ExpressionAttributeNames: condition?.names,
            ReturnValues: 'ALL_OLD',
          }),
        ),
      'The condition for this deletion no longer holds',
      key,
    );
    return out.Attributes !== undefined;
  }

  async query<T extends Item>(partition: string, options: QueryOptions = {}): Promise<Page<T>> {
    const index = options.index ? TABLE[options.index] : undefined;
    const pkName = index ? index.partitionKey : TABLE.partitionKey;
    const skName = index ? index.sortKey : TABLE.sortKey;
    const values: Record<string, unknown> = { ':pk': partition };
    let keyCondition = '#pk = :pk';
    if (options.beginsWith !== undefined) {
      keyCondition += ' AND begins_with(#sk, :prefix)';
      values[':prefix'] = options.beginsWith;
    } else if (options.between) {
      keyCondition += ' AND #sk BETWEEN :from AND :to';
      values[':from'] = options.between[0];
      values[':to'] = options.between[1];
    }
    const input: QueryCommandInput = {
      TableName: this.name,
      IndexName: index?.name,
      KeyConditionExpression: keyCondition,
      ExpressionAttributeNames: keyCondition.includes('#sk') ? { '#pk': pkName, '#sk': skName } : { '#pk': pkName },
      ExpressionAttributeValues: valuesOf(values),
      Limit: options.limit,
      ScanIndexForward: !options.newestFirst,
      ExclusiveStartKey: options.cursor ? attributesOf(decodeCursor(options.cursor, pkName, partition)) : undefined,
      ConsistentRead: index ? undefined : (options.consistent ?? true),
    };
    const out = await this.guarded(() => this.client.send(new QueryCommand(input)));
    const items = (out.Items ?? [])
      .map((attributes) => itemOf<T>(attributes) as T)
      .filter((item) => !this.isExpired(item));
    const last = itemOf<Record<string, unknown>>(out.LastEvaluatedKey);
    return { items, cursor: last ? encodeCursor(last) : undefined };
  }

  /** Every item of a partition, following pages. For bounded partitions only. */
  async queryAll<T extends Item>(
    partition: string,
    options: Omit<QueryOptions, 'cursor' | 'limit'> = {},
  ): Promise<T[]> {
    const all: T[] = [];
    let cursor: string | undefined;
    do {
      const page: Page<T> = await this.query<T>(partition, { ...options, cursor });
      all.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return all;
  }

  /** One conditional UpdateItem of `key`: the item as it is after it; `message` says what a failed condition means. */
  private async updateItem(key: Key, update: UpdateInput, message: string): Promise<Item | undefined> {
    const out = await this.conditional(
      () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.name,
            Key: keyOf(key),
            UpdateExpression: update.expression,
            ConditionExpression: update.condition,
            ExpressionAttributeNames: Object.keys(update.names).length > 0 ? update.names : undefined,
            ExpressionAttributeValues: valuesOf(update.values),
            ReturnValues: update.returnsItem ? 'ALL_NEW' : 'NONE',
          }),
        ),
      message,
      key,
    );
    return itemOf<Item>(out.Attributes);
  }

  /** Items past their `expiresAt` (epoch seconds) are treated as gone even before TTL (or the local sweeper) removes them. */
  private isExpired(item: Record<string, unknown>): boolean {
    const expiresAt = item[TABLE.ttlAttribute];
    return typeof expiresAt === 'number' && expiresAt * 1000 <= this.now().getTime();
  }

  /** IAM's refusal of a tenant session is the tenant boundary holding; of the function's own role, a deployment fault. */
  private async guarded<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if ((error as { name?: string }).name !== 'AccessDeniedException') throw error;
      if (this.scopedTo !== undefined) throw new TenantAccessDeniedError({ cause: error });
      throw new PlatformError(`DynamoDB refused the function's role on table ${this.name}`, { cause: error });
    }
  }

  /** A conditional write of `key`: what depends on it is forgotten however the write ends (it may have landed). */
  private async conditional<T>(send: () => Promise<T>, message: string, key: Key): Promise<T> {
    try {
      return await this.guarded(send);
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as { name?: string }).name === 'ConditionalCheckFailedException'
      ) {
        throw new ConditionFailedError(message, { cause: error });
      }
      throw error;
    } finally {
      this.recent?.written(key);
    }
  }
}
