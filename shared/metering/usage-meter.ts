/**
 * Counts usage in memory on hot paths and writes it as immutable usage records (docs/architecture.md, "Metering").
 *
 * - `record()` only adds to a counter per (organisation, meter, hour served): no I/O on the request path.
 * - `flush()` takes every counter out of memory and writes one record per (organisation, meter, hour) under this
 *   meter's flusher id and a sequence number that grows by one each flush: at most one write per (organisation,
 *   meter, flush), or two when a flush spans an hour boundary.
 * - A write that fails for any other reason than "already exists" may or may not have been applied (a timeout
 *   after DynamoDB wrote it). Its counts are therefore not merged back into the counters, which would write them
 *   again under a new key, but kept as the very same record and retried at the next flush; if that retry finds
 *   the key taken, the first attempt had succeeded. Counts are never lost and never counted twice.
 *
 * The timer (`start()`/`stop()`) flushes every few seconds in long-running processes; a Lambda handler calls
 * `flush()` before its invocation ends, since a frozen container runs no timers.
 */
import { randomBase32 } from '../domain/ids.ts';
import { hourOf, type Meter, type UsageRecord } from '../domain/metering.ts';
import { isFlusherId, UsageRecordCollisionError, type WriteOutcome } from './usage.repository.ts';

/** What the request path sees: counting only. */
export interface UsageRecorder {
  /** Adds `amount` (a non-negative integer) to the organisation's meter, for the hour of `at` (default now). */
  record(orgId: string, meter: Meter, amount: number, at?: Date): void;
}

export interface UsageRecordWriter {
  writeRecord(record: UsageRecord): Promise<WriteOutcome>;
}

interface MeterLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface UsageMeterOptions {
  readonly store: UsageRecordWriter;
  /**
   * Names this process in record keys; must be unique among everything that flushes at the same time.
   * @default `flusher-` + 16 random base32 characters
   */
  readonly flusherId?: string;
  /** Milliseconds between timed flushes after `start()`. @default 5000 */
  readonly flushIntervalMs?: number;
  /** Records written at the same time within one flush. @default 8 */
  readonly writeConcurrency?: number;
  readonly clock?: () => Date;
  readonly logger?: MeterLogger;
}

export interface FlushReport {
  readonly sequence: number;
  readonly written: number;
  /** Records a retry found already stored: written by an attempt whose answer was lost. */
  readonly alreadyWritten: number;
  /** Records kept for the next flush because their write failed. */
  readonly retained: number;
}

interface Counter {
  readonly orgId: string;
  readonly meter: Meter;
  readonly hour: string;
  amount: number;
}

export class UsageMeter implements UsageRecorder {
  readonly flusherId: string;
  private counters = new Map<string, Counter>();
  /** Records whose write failed, kept with their key so a retry cannot count them twice. */
  private retry: UsageRecord[] = [];
  /** (organisation, hour) pairs this flusher has already put in the hour index. */
  private announced = new Set<string>();
  private sequence = 0;
  private lastHour = { start: Number.NEGATIVE_INFINITY, key: '' };
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly clock: () => Date;
  private readonly intervalMs: number;
  private readonly concurrency: number;

  constructor(private readonly options: UsageMeterOptions) {
    this.flusherId = options.flusherId ?? `flusher-${randomBase32(16)}`;
    if (!isFlusherId(this.flusherId)) {
      throw new TypeError('A flusher id is 1 to 64 lower-case letters, digits or dashes');
    }
    this.clock = options.clock ?? (() => new Date());
    this.intervalMs = options.flushIntervalMs ?? 5000;
    this.concurrency = Math.max(1, options.writeConcurrency ?? 8);
  }

  record(orgId: string, meter: Meter, amount: number, at: Date = this.clock()): void {
    if (!Number.isSafeInteger(amount) || amount < 0) {
      throw new RangeError(`A usage amount is a non-negative integer, not ${amount}`);
    }
    if (amount === 0) return;
    const hour = this.hourKey(at);
    const id = `${orgId}\u0000${meter}\u0000${hour}`;
    const counter = this.counters.get(id);
    if (counter) counter.amount += amount;
    else this.counters.set(id, { orgId, meter, hour, amount });
  }

  /** Writes what has been counted so far; flushes run one after another, never side by side. */
  flush(): Promise<FlushReport> {
    const run = this.queue.then(() => this.flushNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Flushes every `flushIntervalMs` until `stop()`; the timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.flush().catch((error: unknown) => this.options.logger?.error('Usage flush failed', { error }));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and flushes what is left. */
  async stop(): Promise<FlushReport> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.flush();
  }

  /** Amounts counted but not yet stored, per organisation and meter (counters plus records awaiting a retry). */
  unflushed(): Map<string, number> {
    const totals = new Map<string, number>();
    const add = (orgId: string, meter: Meter, amount: number) => {
      const id = `${orgId}/${meter}`;
      totals.set(id, (totals.get(id) ?? 0) + amount);
    };
    for (const counter of this.counters.values()) add(counter.orgId, counter.meter, counter.amount);
    for (const record of this.retry) add(record.orgId, record.meter, record.amount);
    return totals;
  }

  private async flushNow(): Promise<FlushReport> {
    const sequence = ++this.sequence;
    const fresh = [...this.counters.values()].map((counter) => this.toRecord(counter, sequence));
    this.counters = new Map();
    const batch = [...this.retry, ...fresh];
    this.retry = [];
    this.forgetOldAnnouncements();

    let written = 0;
    let alreadyWritten = 0;
    await forEachConcurrently(batch, this.concurrency, async (record) => {
      try {
        const outcome = await this.options.store.writeRecord(record);
        if (outcome === 'written') written++;
        else alreadyWritten++;
      } catch (error) {
        if (error instanceof UsageRecordCollisionError) {
          // Not ours and not stored: count it again under the next sequence rather than lose it.
          this.options.logger?.error('Usage record key already used by another flusher', { flusherId: this.flusherId });
          this.record(record.orgId, record.meter, record.amount, new Date(record.hour));
          return;
        }
        this.options.logger?.warn('Usage record not written; it will be retried', {
          orgId: record.orgId,
          meter: record.meter,
          hour: record.hour,
          error,
        });
        this.retry.push(record);
      }
    });
    return { sequence, written, alreadyWritten, retained: this.retry.length };
  }

  /** `hourOf`, remembering the last hour: a busy gateway records twice per request. */
  private hourKey(at: Date): string {
    const ms = at.getTime();
    if (ms < this.lastHour.start || ms >= this.lastHour.start + 3_600_000) {
      this.lastHour = { start: ms - (((ms % 3_600_000) + 3_600_000) % 3_600_000), key: hourOf(at) };
    }
    return this.lastHour.key;
  }

  private toRecord(counter: Counter, sequence: number): UsageRecord {
    const announcement = `${counter.orgId}\u0000${counter.hour}`;
    const announcesHour = !this.announced.has(announcement);
    if (announcesHour) this.announced.add(announcement);
    return {
      orgId: counter.orgId,
      meter: counter.meter,
      hour: counter.hour,
      flusherId: this.flusherId,
      sequence,
      amount: counter.amount,
      announcesHour,
    };
  }

  /** Only the current and previous hours still receive counts; announcing again later is harmless. */
  private forgetOldAnnouncements(): void {
    const oldest = hourOf(new Date(this.clock().getTime() - 3_600_000));
    for (const announcement of this.announced) {
      if ((announcement.split('\u0000')[1] ?? '') < oldest) this.announced.delete(announcement);
    }
  }
}

async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
