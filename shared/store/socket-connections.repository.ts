/**
 * The AWS gateway's WebSocket connections (docs/architecture.md, "Event streams in AWS"). API Gateway holds the
 * sockets; the table holds what the functions need between messages:
 *
 * - `WSCONN#<connectionId>` / `META`: the organisation, key and node it was admitted for, the hash of its credential
 *   (to admit it again, never the credential), its subscriptions, and `expiresAt` (TTL) two hours and ten minutes
 *   after connecting: API Gateway ends every connection after two hours, so a record whose `$disconnect` was lost
 *   vanishes. While it holds subscriptions it is listed on GSI2 (`WSSUBS#<shard>`) for the follower.
 * - `WSKEY#<keyId>` / `COUNTS`: the key's open connections and subscriptions across every function instance, moved
 *   by single-item conditional writes that refuse to pass the plan's limit. Its `expiresAt` is renewed with each
 *   connection, so counts a lost `$disconnect` left behind are forgotten once no connection can still be open.
 * - `WSCURSOR#<nodeId>` / `HEAD`: the last block the follower notified for a node, which only moves forward.
 */
import type { LogFilter } from '../domain/log-filter.ts';
import { gsi2, shardOf } from './keys.ts';
import { ConditionFailedError, type Item, type Table } from './table.ts';
import { FLEET_SHARDS } from './table-schema.ts';

/** API Gateway closes a WebSocket connection after two hours whatever happens on it. */
export const CONNECTION_MAX_SECONDS = 2 * 60 * 60;
/** Kept a little longer than a connection can live, so a record never goes while its connection is open. */
const RECORD_SECONDS = CONNECTION_MAX_SECONDS + 10 * 60;

export interface StoredSubscription {
  readonly kind: 'newHeads' | 'logs';
  readonly filter?: LogFilter;
}

export interface SocketConnection {
  readonly connectionId: string;
  readonly orgId: string;
  readonly keyId: string;
  readonly nodeId: string;
  /** SHA-256 of the key or ticket it was admitted with, and which of the two it is. */
  readonly credential: { readonly kind: 'key' | 'ticket'; readonly hash: string };
  readonly connectedAt: string;
  readonly subscriptions: Readonly<Record<string, StoredSubscription>>;
}

type ConnectionItem = Item & SocketConnection & { version: number; expiresAt: number };

const connectionKey = (connectionId: string) => ({ pk: `WSCONN#${connectionId}`, sk: 'META' });
const countsKey = (keyId: string) => ({ pk: `WSKEY#${keyId}`, sk: 'COUNTS' });
const cursorKey = (nodeId: string) => ({ pk: `WSCURSOR#${nodeId}`, sk: 'HEAD' });

export interface HeadCursor {
  readonly number: bigint;
  readonly hash: string;
}

export class SocketConnectionsRepository {
  constructor(
    private readonly table: Table,
    private readonly clock: () => Date,
  ) {}

  /**
   * Records a new connection if its key holds fewer than `maxConnections`; false (nothing written) when it holds
   * them all already.
   */
  async open(connection: Omit<SocketConnection, 'subscriptions'>, maxConnections: number): Promise<boolean> {
    const expiresAt = this.#epochSeconds() + RECORD_SECONDS;
    const counted = await this.#count(connection.keyId, 'connections', 1, maxConnections, expiresAt);
    if (!counted) return false;
    try {
      await this.table.create<ConnectionItem>({
        ...connectionKey(connection.connectionId),
        type: 'socket-connection',
        ...connection,
        subscriptions: {},
        version: 1,
        expiresAt,
      });
    } catch (error) {
      await this.#uncount(connection.keyId, { connections: -1 });
      // API Gateway sends $connect once per connection id: a repeat is one already recorded and counted.
      if (!(error instanceof ConditionFailedError)) throw error;
    }
    return true;
  }

  async find(connectionId: string): Promise<SocketConnection | undefined> {
    const item = await this.table.get<ConnectionItem>(connectionKey(connectionId));
    return item && toConnection(item);
  }

  /** Forgets a connection and gives its key back the connection and its subscriptions; false if it was not known. */
  async close(connectionId: string): Promise<boolean> {
    const item = await this.table.get<ConnectionItem>(connectionKey(connectionId));
    if (!item) return false;
    const deleted = await this.table
      .delete(connectionKey(connectionId), { expression: 'attribute_exists(pk)' })
      .catch((error: unknown) => {
        if (error instanceof ConditionFailedError) return false;
        throw error;
      });
    if (!deleted) return false;
    await this.#uncount(item.keyId, {
      connections: -1,
      subscriptions: -Object.keys(item.subscriptions ?? {}).length,
    });
    return true;
  }

  /**
   * Adds a subscription to a connection if its key holds fewer than `maxSubscriptions`: 'limit' when it holds them
   * all, 'gone' when the connection is no longer recorded.
   */
  async subscribe(
    connection: SocketConnection,
    id: string,
    subscription: StoredSubscription,
    maxSubscriptions: number,
  ): Promise<'added' | 'limit' | 'gone'> {
    const counted = await this.#count(connection.keyId, 'subscriptions', 1, maxSubscriptions);
    if (!counted) return 'limit';
    const changed = await this.#changeSubscriptions(connection.connectionId, (held) => ({
      ...held,
      [id]: subscription,
    }));
    if (changed === undefined) {
      await this.#uncount(connection.keyId, { subscriptions: -1 });
      return 'gone';
    }
    return 'added';
  }

  /** Removes a subscription; false when the connection has none by that id. */
  async unsubscribe(connection: SocketConnection, id: string): Promise<boolean> {
    let removed = false;
    await this.#changeSubscriptions(connection.connectionId, (held) => {
      removed = id in held;
      const { [id]: _gone, ...rest } = held;
      return rest;
    });
    if (removed) await this.#uncount(connection.keyId, { subscriptions: -1 });
    return removed;
  }

  /** Every connection holding a subscription, from the sharded listing (eventually consistent). */
  async listSubscribed(): Promise<SocketConnection[]> {
    const shards = await Promise.all(
      Array.from({ length: FLEET_SHARDS }, (_, shard) =>
        this.table.queryAll<ConnectionItem>(gsi2.subscribedSockets(shard), { index: 'gsi2' }),
      ),
    );
    return shards.flat().map(toConnection);
  }

  /** The key's open connections and subscriptions as counted (tests and operators). */
  async countsOf(keyId: string): Promise<{ connections: number; subscriptions: number }> {
    const item = await this.table.get(countsKey(keyId));
    return { connections: Number(item?.connections ?? 0), subscriptions: Number(item?.subscriptions ?? 0) };
  }

  async headCursor(nodeId: string): Promise<HeadCursor | undefined> {
    const item = await this.table.get(cursorKey(nodeId));
    if (!item || typeof item.blockNumber !== 'string' || typeof item.blockHash !== 'string') return undefined;
    return { number: BigInt(`0x${item.blockNumber}`), hash: item.blockHash };
  }

  /** Moves the node's cursor to `cursor`, never back: false when it already stands there or further. */
  async advanceHeadCursor(nodeId: string, cursor: HeadCursor): Promise<boolean> {
    try {
      await this.table.increment(
        cursorKey(nodeId),
        {},
        {
          // Numbers as zero-padded hex strings compare in block order.
          set: { blockNumber: padded(cursor.number), blockHash: cursor.hash, updatedAt: this.clock().toISOString() },
          condition: {
            expression: 'attribute_not_exists(pk) OR #n < :n',
            names: { '#n': 'blockNumber' },
            values: { ':n': padded(cursor.number) },
          },
        },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /** One conditional read-modify-write of a connection's subscriptions; undefined when the connection is gone. */
  async #changeSubscriptions(
    connectionId: string,
    change: (held: Readonly<Record<string, StoredSubscription>>) => Record<string, StoredSubscription>,
  ): Promise<Record<string, StoredSubscription> | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const item = await this.table.get<ConnectionItem>(connectionKey(connectionId));
      if (!item) return undefined;
      const subscriptions = change(item.subscriptions ?? {});
      const listed = Object.keys(subscriptions).length > 0;
      try {
        await this.table.update(
          connectionKey(connectionId),
          item.version,
          {
            subscriptions,
            ...(listed && {
              gsi2pk: gsi2.subscribedSockets(shardOf(connectionId)),
              gsi2sk: `${item.nodeId}#${connectionId}`,
            }),
          },
          { remove: listed ? [] : ['gsi2pk', 'gsi2sk'] },
        );
        return subscriptions;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
    throw new ConditionFailedError('The connection kept changing; send the call again');
  }

  /**
   * Adds `by` to a key's count unless that passes `max`; false when it would. Counts whose record expired (every
   * connection they counted has ended) start again from this one, whether or not TTL has removed them yet.
   */
  async #count(keyId: string, attribute: string, by: number, max: number, expiresAt?: number): Promise<boolean> {
    const now = this.#epochSeconds();
    try {
      await this.table.increment(
        countsKey(keyId),
        { [attribute]: by },
        {
          ...(expiresAt !== undefined && { set: { expiresAt, type: 'socket-counts' } }),
          condition: {
            expression: '(attribute_not_exists(#held) OR #held < :max) AND (attribute_not_exists(#ttl) OR #ttl > :now)',
            names: { '#held': attribute, '#ttl': 'expiresAt' },
            values: { ':max': max, ':now': now },
          },
        },
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
    if (expiresAt === undefined || max < by) return false;
    try {
      await this.table.increment(
        countsKey(keyId),
        {},
        {
          set: { connections: 0, subscriptions: 0, [attribute]: by, expiresAt, type: 'socket-counts' },
          condition: { expression: '#ttl <= :now', names: { '#ttl': 'expiresAt' }, values: { ':now': now } },
        },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /** Gives counts back (never below zero: counts an expired record forgot are not taken twice). */
  async #uncount(keyId: string, deltas: Record<string, number>): Promise<void> {
    const given = Object.fromEntries(Object.entries(deltas).filter(([, delta]) => delta !== 0));
    const attributes = Object.keys(given);
    if (attributes.length === 0) return;
    const names = Object.fromEntries(attributes.map((attribute, i) => [`#c${i}`, attribute]));
    const values = Object.fromEntries(attributes.map((attribute, i) => [`:c${i}`, -(given[attribute] ?? 0)]));
    const expression = attributes.map((_, i) => `#c${i} >= :c${i}`).join(' AND ');
    try {
      await this.table.increment(countsKey(keyId), given, { condition: { expression, names, values } });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  #epochSeconds(): number {
    return Math.floor(this.clock().getTime() / 1000);
  }
}

function toConnection(item: ConnectionItem): SocketConnection {
  return {
    connectionId: item.connectionId,
    orgId: item.orgId,
    keyId: item.keyId,
    nodeId: item.nodeId,
    credential: item.credential,
    connectedAt: item.connectedAt,
    subscriptions: item.subscriptions ?? {},
  };
}

function padded(value: bigint): string {
  return value.toString(16).padStart(16, '0');
}
