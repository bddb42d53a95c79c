/**
 * Where a log follower is on each network (`NET#<id>` / `LOGCURSOR` for `chain.log`, `CONSENTCURSOR` for the
 * consent ledger's events): the next log to read as (block, index
 * of the log in that block), and the hash of the block before it, which the next block read must name as its parent.
 * Each move is a versioned conditional write that also puts the `chain.log` events of the logs read into the
 * cursor's outbox, so logs are read and their events recorded together or not at all, and a restart resumes exactly
 * where the last write left off.
 */
import type { OutboxEntry } from '../domain/events.ts';
import { ConditionFailedError, type Item, OUTBOX_ATTRIBUTE, type Table } from './table.ts';

export interface ChainLogCursor {
  readonly networkId: string;
  /** The block of the next log to read. */
  readonly block: number;
  /** Logs of `block` with an index below this were read already. */
  readonly logIndex: number;
  /** The hash of block `block - 1`: the parent the next block read must name. */
  readonly parentHash: string;
  readonly updatedAt: string;
  readonly version: number;
  /** Events in the cursor's outbox that the event recorder has not moved to the event log yet. */
  readonly waiting: number;
}

export type ChainLogPosition = Pick<ChainLogCursor, 'block' | 'logIndex' | 'parentHash'>;

type CursorItem = Item & Omit<ChainLogCursor, 'waiting'>;

/** The sort keys of the followers' cursors: one per stream of logs, so each follows at its own pace. */
export const LOG_CURSOR_KINDS = { chainLog: 'LOGCURSOR', consent: 'CONSENTCURSOR' } as const;
export type LogCursorKind = (typeof LOG_CURSOR_KINDS)[keyof typeof LOG_CURSOR_KINDS];

export class ChainLogCursorsRepository {
  constructor(
    private readonly table: Table,
    private readonly clock: () => Date = () => new Date(),
    private readonly kind: LogCursorKind = LOG_CURSOR_KINDS.chainLog,
  ) {}

  async get(networkId: string): Promise<ChainLogCursor | undefined> {
    const item = await this.table.get<CursorItem>(this.#key(networkId));
    return item ? toCursor(item) : undefined;
  }

  /** Starts following a network at `position` unless it is followed already; returns the cursor either way. */
  async start(networkId: string, position: ChainLogPosition): Promise<ChainLogCursor> {
    const cursor: ChainLogCursor = {
      networkId,
      ...position,
      updatedAt: this.clock().toISOString(),
      version: 1,
      waiting: 0,
    };
    try {
      const { waiting: _none, ...stored } = cursor;
      await this.table.create<CursorItem>({ ...this.#key(networkId), ...stored, type: 'chain-log-cursor' });
      return cursor;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      return (await this.get(networkId)) as ChainLogCursor;
    }
  }

  #key(networkId: string) {
    return { pk: `NET#${networkId}`, sk: this.kind };
  }

  /** Moves the cursor with the events of the logs it passed; ConditionFailedError when it moved meanwhile. */
  async advance(
    cursor: ChainLogCursor,
    position: ChainLogPosition,
    events: readonly OutboxEntry[],
  ): Promise<ChainLogCursor> {
    const updated = await this.table.update<CursorItem>(
      this.#key(cursor.networkId),
      cursor.version,
      { ...position, updatedAt: this.clock().toISOString() },
      { events },
    );
    return toCursor(updated);
  }
}

function toCursor(item: CursorItem): ChainLogCursor {
  return {
    networkId: item.networkId,
    block: item.block,
    logIndex: item.logIndex,
    parentHash: item.parentHash,
    updatedAt: item.updatedAt,
    version: item.version,
    waiting: Array.isArray(item[OUTBOX_ATTRIBUTE]) ? (item[OUTBOX_ATTRIBUTE] as unknown[]).length : 0,
  };
}
