/**
 * The usage meter, rollup and series against a real embedded DynamoDB (dynalite). Failures are injected in the
 * real client's middleware stack: either before a PutItem leaves (nothing written), or after DynamoDB applied it
 * with the answer lost (written, but the caller sees an error): the case that makes naive retries double count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { hourOf, type Meter } from '../../../shared/domain/metering.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { UsageRepository } from '../../../shared/metering/usage.repository.ts';
import { UsageMeter } from '../../../shared/metering/usage-meter.ts';
import { rollupHour } from '../../../shared/metering/usage-rollup.ts';
import { usageSeries } from '../../../shared/metering/usage-series.ts';
import { ensureTable } from '../../../shared/store/create-table.ts';
import { Table } from '../../../shared/store/table.ts';

type Fault = 'none' | 'fail-before-write' | 'lose-answer-after-write';

let dynamo: EmbeddedDynamo;
let repository: UsageRepository;
let fault: { mode: Fault; remaining: number } = { mode: 'none', remaining: 0 };
let puts = 0;
let now = Date.parse('2026-11-24T20:10:00Z');
const clock = () => new Date(now);

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo();
  await ensureTable(dynamo.client, 'carechain-usage');
  dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutItemCommand') return next(args);
      puts++;
      const injected = fault.remaining > 0 ? fault.mode : 'none';
      if (injected !== 'none') fault.remaining--;
      if (injected === 'fail-before-write')
        throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
      const output = await next(args);
      if (injected === 'lose-answer-after-write')
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      return output;
    },
    { step: 'initialize', name: 'injectFaults' },
  );
  repository = new UsageRepository(new Table(dynamo.client, 'carechain-usage', clock), clock);
});

afterAll(async () => {
  await dynamo?.close();
});

let orgCounter = 0;
function newOrg(): string {
  orgCounter++;
  return `org_meter${orgCounter}`;
}

async function stored(orgId: string, meter: Meter, hour = hourOf(clock())): Promise<number> {
  const records = await repository.recordsOfHour(orgId, meter, hour);
  return records.reduce((sum, record) => sum + record.amount, 0);
}

function newMeter(flusherId?: string): UsageMeter {
  return new UsageMeter({
    store: repository,
    clock,
    flusherId,
    logger: { warn: () => undefined, error: () => undefined },
  });
}

describe('usage meter flushes', () => {
  it('writes one record per organisation and meter, then nothing while nothing new is counted', async () => {
    const [a, b] = [newOrg(), newOrg()];
    const meter = newMeter();
    for (let i = 0; i < 100; i++) meter.record(a, 'rpc_requests', 1);
    meter.record(a, 'rpc_compute_units', 500);
    meter.record(b, 'rpc_requests', 7);
    const writesBefore = puts;
    expect(await meter.flush()).toEqual({ sequence: 1, written: 3, alreadyWritten: 0, retained: 0 });
    expect(puts - writesBefore).toBe(3);
    expect(await stored(a, 'rpc_requests')).toBe(100);
    expect(await stored(a, 'rpc_compute_units')).toBe(500);
    expect(await stored(b, 'rpc_requests')).toBe(7);
    expect(meter.unflushed().size).toBe(0);
    expect(await meter.flush()).toEqual({ sequence: 2, written: 0, alreadyWritten: 0, retained: 0 });
    expect(puts - writesBefore).toBe(3);
  });

  it('keys counts by the hour they were served in', async () => {
    const org = newOrg();
    const meter = newMeter();
    meter.record(org, 'signatures', 2, new Date('2026-11-24T19:59:59.999Z'));
    meter.record(org, 'signatures', 3, new Date('2026-11-24T20:00:00.000Z'));
    meter.record(org, 'signatures', 4, new Date('2026-11-24T19:00:00.000Z'));
    meter.record(org, 'signatures', 5, new Date('2026-11-24T20:59:59.999Z'));
    await meter.flush();
    expect(await stored(org, 'signatures', '2026-11-24T19:00Z')).toBe(6);
    expect(await stored(org, 'signatures', '2026-11-24T20:00Z')).toBe(8);
  });

  it('retries a write whose answer was lost under the same key, so it counts once', async () => {
    const org = newOrg();
    const meter = newMeter();
    meter.record(org, 'rpc_requests', 40);
    fault = { mode: 'lose-answer-after-write', remaining: 1 };
    expect(await meter.flush()).toMatchObject({ written: 0, retained: 1 });
    expect(await stored(org, 'rpc_requests')).toBe(40);
    expect(meter.unflushed().get(`${org}/rpc_requests`)).toBe(40);

    meter.record(org, 'rpc_requests', 2);
    expect(await meter.flush()).toMatchObject({ written: 1, alreadyWritten: 1, retained: 0 });
    expect(await stored(org, 'rpc_requests')).toBe(42);
    expect(meter.unflushed().size).toBe(0);
  });

  it('keeps counts whose write failed and writes them at the next flush', async () => {
    const org = newOrg();
    const meter = newMeter();
    meter.record(org, 'api_requests', 5);
    fault = { mode: 'fail-before-write', remaining: 1 };
    expect(await meter.flush()).toMatchObject({ written: 0, retained: 1 });
    expect(await stored(org, 'api_requests')).toBe(0);
    expect(await meter.flush()).toMatchObject({ written: 1, alreadyWritten: 0, retained: 0 });
    expect(await stored(org, 'api_requests')).toBe(5);
  });

  it('never loses counts when two processes wrongly share a flusher id', async () => {
    const org = newOrg();
    const first = newMeter('flusher-shared-by-mistake');
    const second = newMeter('flusher-shared-by-mistake');
    first.record(org, 'rpc_requests', 10);
    second.record(org, 'rpc_requests', 20);
    await first.flush();
    await second.flush();
    expect(second.unflushed().get(`${org}/rpc_requests`)).toBe(20);
    await second.flush();
    expect(await stored(org, 'rpc_requests')).toBe(30);
  });

  it('flushes on its timer after start() and flushes the rest on stop()', async () => {
    const org = newOrg();
    const meter = new UsageMeter({ store: repository, clock, flushIntervalMs: 20 });
    meter.start();
    meter.record(org, 'node_hours', 3600);
    for (let attempt = 0; attempt < 100 && (await stored(org, 'node_hours')) === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await stored(org, 'node_hours')).toBe(3600);
    meter.record(org, 'node_hours', 60);
    await meter.stop();
    expect(await stored(org, 'node_hours')).toBe(3660);
  });

  it('accepts only non-negative whole amounts', () => {
    const meter = newMeter();
    expect(() => meter.record('org_x', 'rpc_requests', 1.5)).toThrow(RangeError);
    expect(() => meter.record('org_x', 'rpc_requests', -1)).toThrow(RangeError);
    expect(() => newMeter('Has#Hash')).toThrow(TypeError);
  });
});

describe('hourly rollup and usage series', () => {
  it('sums an hour per organisation and meter, and recomputing includes late records without double counting', async () => {
    now = Date.parse('2026-11-20T08:30:00Z');
    const org = newOrg();
    const meter = newMeter();
    meter.record(org, 'rpc_requests', 11);
    await meter.flush();
    meter.record(org, 'rpc_requests', 4);
    meter.record(org, 'signatures', 1);
    await meter.flush();

    const first = await rollupHour(repository, '2026-11-20T08:00Z', clock);
    expect(first.filter((r) => r.orgId === org).map((r) => [r.meter, r.total, r.records])).toEqual([
      ['rpc_requests', 15, 2],
      ['signatures', 1, 1],
    ]);
    expect(await rollupHour(repository, '2026-11-20T08:00Z', clock)).toEqual(first);

    meter.record(org, 'rpc_requests', 5);
    await meter.flush();
    const again = await rollupHour(repository, new Date('2026-11-20T08:59:00Z'), clock);
    expect(again.find((r) => r.orgId === org && r.meter === 'rpc_requests')?.total).toBe(20);
    expect(await repository.organisationsWithUsage('2026-11-20T08:00Z')).toContain(org);
  });

  it('reads settled hours from rollups and recent hours from raw records, by hour and by day', async () => {
    const org = newOrg();
    const meter = newMeter();
    now = Date.parse('2026-11-21T22:15:00Z');
    meter.record(org, 'rpc_compute_units', 100);
    await meter.flush();
    await rollupHour(repository, '2026-11-21T22:00Z', clock);
    // A record that arrived after the rollup: ignored while the hour is settled and its rollup is trusted.
    meter.record(org, 'rpc_compute_units', 1, new Date('2026-11-21T22:59:00Z'));
    now = Date.parse('2026-11-22T01:20:00Z');
    meter.record(org, 'rpc_compute_units', 7);
    await meter.flush();

    const from = new Date('2026-11-21T21:00:00Z');
    const to = new Date('2026-11-22T02:00:00Z');
    const hourly = await usageSeries(repository, org, from, to, 'hour', clock);
    expect(hourly.meters.rpc_compute_units.points).toEqual([
      { start: '2026-11-21T21:00Z', value: 0 },
      { start: '2026-11-21T22:00Z', value: 100 },
      { start: '2026-11-21T23:00Z', value: 0 },
      { start: '2026-11-22T00:00Z', value: 0 },
      { start: '2026-11-22T01:00Z', value: 7 },
    ]);
    expect(hourly.meters.rpc_requests.total).toBe(0);

    const daily = await usageSeries(repository, org, from, to, 'day', clock);
    expect(daily.meters.rpc_compute_units.points).toEqual([
      { start: '2026-11-21T00:00Z', value: 100 },
      { start: '2026-11-22T00:00Z', value: 7 },
    ]);

    // Before the hour settles, its raw records are read, the late one included.
    const early = await usageSeries(repository, org, from, to, 'hour', () => new Date('2026-11-21T23:30:00Z'));
    expect(early.meters.rpc_compute_units.points[1]).toEqual({ start: '2026-11-21T22:00Z', value: 101 });
  });

  it('refuses ranges that are empty, reversed or too long', async () => {
    const at = new Date('2026-11-21T00:00:00Z');
    await expect(usageSeries(repository, 'org_x', at, at, 'hour')).rejects.toThrow(ValidationError);
    await expect(usageSeries(repository, 'org_x', at, new Date('2026-10-01T00:00:00Z'), 'day')).rejects.toThrow(
      ValidationError,
    );
    await expect(usageSeries(repository, 'org_x', new Date('2026-01-01T00:00:00Z'), at, 'hour')).rejects.toThrow(
      'too long',
    );
  });
});
