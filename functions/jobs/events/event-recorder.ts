/**
 * Moves events from the outboxes of the records that caused them into the organisations' event logs
 * (docs/architecture.md, "Event streams"), where webhook endpoints read them in order.
 *
 * For each record with events waiting: stamp keys on its entries (one conditional write), write each event under its
 * key (create-if-absent), then remove the recorded entries (conditional on the first one). Keys come from a
 * sequence that only grows and are used in the order they were handed out, so an organisation's log grows at its
 * end: an endpoint that has read up to a key never finds an event appear before it later. To keep that true after a
 * crash, entries stamped but not yet written are finished before any new key is handed out. One recorder runs at a
 * time (one process locally; a function with a concurrency of one in AWS); a second would still never lose or
 * duplicate an event, only possibly write one behind an endpoint's cursor.
 */
import type { OutboxEntry } from '../../../shared/domain/events.ts';
import { type EventsRepository, formatEventKey, type PendingRecord } from '../../../shared/store/events.repository.ts';

interface RecorderLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface EventRecorderDeps {
  readonly events: EventsRepository;
  /** Whether anyone could receive the organisation's events (it has a webhook endpoint); others are not kept. */
  readonly wantsEvents: (orgId: string) => Promise<boolean>;
  readonly logger: RecorderLogger;
  /** Keys reserved from the sequence at a time. @default 256 */
  readonly keyBlock?: number;
  /**
   * Entries stamped by one conditional write (its condition names each entry: DynamoDB allows 4 KB of
   * expression). A longer outbox is moved in several rounds. @default 40
   */
  readonly stampsPerWrite?: number;
}

export interface RecordingReport {
  readonly records: number;
  readonly recorded: number;
  /** Events of organisations without an endpoint, removed without being kept. */
  readonly dropped: number;
}

const MAX_ROUNDS_PER_RECORD = 100;

export class EventRecorder {
  /** Keys reserved and not used yet: [next, end). */
  #next = 0;
  #end = 0;
  #running: Promise<RecordingReport> | undefined;

  constructor(private readonly deps: EventRecorderDeps) {}

  /** One pass over every record with events waiting; concurrent calls share the pass under way. */
  runOnce(): Promise<RecordingReport> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #pass(): Promise<RecordingReport> {
    const keys = await this.deps.events.pendingRecordKeys();
    const records = (await Promise.all(keys.map((key) => this.deps.events.readOutbox(key)))).filter(
      (record): record is PendingRecord => record !== undefined,
    );
    // Entries stamped by a pass that stopped half-way hold the lowest keys: they go first, in key order.
    const stampedFirst = (record: PendingRecord) => record.entries[0]?.key ?? '~';
    records.sort((a, b) => (stampedFirst(a) < stampedFirst(b) ? -1 : stampedFirst(a) > stampedFirst(b) ? 1 : 0));
    const wants = new Map<string, Promise<boolean>>();
    const wanted = (orgId: string) => {
      const known = wants.get(orgId);
      if (known) return known;
      const answer = this.deps.wantsEvents(orgId);
      wants.set(orgId, answer);
      return answer;
    };
    let recorded = 0;
    let dropped = 0;
    for (const first of records) {
      let read: PendingRecord | undefined = first;
      // Bounded, so an outbox that cannot be emptied (removal kept failing) waits for the next pass.
      for (let round = 0; read && round < MAX_ROUNDS_PER_RECORD; round++) {
        const record = await this.#stamped(read);
        if (!record) break;
        for (const entry of record.entries) {
          if (await wanted(entry.event.orgId)) {
            await this.deps.events.writeEvent(entry.key as string, entry.event);
            recorded++;
          } else {
            dropped++;
          }
        }
        await this.deps.events.removeRecorded(read, record.entries.length);
        read = await this.deps.events.readOutbox(read.key);
      }
    }
    if (recorded + dropped > 0)
      this.deps.logger.info('events recorded', { records: records.length, recorded, dropped });
    return { records: records.length, recorded, dropped };
  }

  /** The record's entries, each with its key: those stamped before keep theirs, the others get the next keys. */
  async #stamped(record: PendingRecord): Promise<{ entries: Required<OutboxEntry>[] } | undefined> {
    const unstamped = record.entries.findIndex((entry) => entry.key === undefined);
    if (unstamped === -1) return { entries: record.entries as Required<OutboxEntry>[] };
    if (unstamped > 0) {
      // A pass stopped between stamping and removing, and new entries arrived since: record the stamped ones now,
      // the others on the next pass, so keys stay in the order they were handed out.
      return { entries: record.entries.slice(0, unstamped) as Required<OutboxEntry>[] };
    }
    const count = Math.min(record.entries.length, Math.max(1, this.deps.stampsPerWrite ?? 40));
    const keys = await this.#takeKeys(count);
    if (!(await this.deps.events.stampKeys(record, keys))) {
      this.deps.logger.warn('an outbox changed while it was being stamped; it is read again next pass', {
        pk: record.key.pk,
        sk: record.key.sk,
      });
      return undefined;
    }
    return { entries: record.entries.slice(0, count).map((entry, i) => ({ ...entry, key: keys[i] as string })) };
  }

  async #takeKeys(count: number): Promise<string[]> {
    const keys: string[] = [];
    while (keys.length < count) {
      if (this.#next >= this.#end) {
        const block = Math.max(count - keys.length, this.deps.keyBlock ?? 256);
        this.#next = await this.deps.events.reserveKeys(block);
        this.#end = this.#next + block;
      }
      keys.push(formatEventKey(this.#next++));
    }
    return keys;
  }
}
