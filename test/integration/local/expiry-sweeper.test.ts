/**
 * dynalite has no TTL: the local expiry sweeper scans for items past `expiresAt` and deletes them, page after page,
 * and leaves every other item alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExpirySweeper } from '../../../functions/local/expiry-sweeper.ts';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { createLogger } from '../../../shared/observability/logger.ts';
import { ensureTable } from '../../../shared/store/create-table.ts';
import { Table } from '../../../shared/store/table.ts';
import { scanItems } from '../../support/table-scan.ts';

const TABLE_NAME = 'carechain';
const NOW = new Date('2026-12-05T12:00:00Z');
const nowSeconds = NOW.getTime() / 1000;

let dynamo: EmbeddedDynamo;
let table: Table;

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo();
  await ensureTable(dynamo.client, TABLE_NAME);
  table = new Table(dynamo.client, TABLE_NAME, () => NOW);
});

afterAll(async () => {
  await dynamo.close();
});

describe('the local expiry sweeper', () => {
  it('deletes every item past its expiresAt, and only those', async () => {
    // Items of about 2 KB, so that the scan takes more than one page of dynalite's 1 MB.
    const padding = 'x'.repeat(2_000);
    const expired = Array.from({ length: 700 }, (_, i) => ({
      pk: `ORG#org_${i % 7}`,
      sk: `TICKET#expired-${i}`,
      expiresAt: nowSeconds - 1 - i,
      padding,
    }));
    const kept = [
      { pk: 'ORG#org_1', sk: 'TICKET#live', expiresAt: nowSeconds + 3600 },
      { pk: 'ORG#org_1', sk: 'PROFILE', name: 'Region Skåne' },
    ];
    for (const item of [...expired, ...kept]) await table.create(item);

    const sweeper = startExpirySweeper(table, createLogger({ level: 'silent' }), () => NOW, 3_600_000);
    await sweeper.sweep();
    await sweeper.stop();

    expect((await scanItems(table)).sort((a, b) => String(a.sk).localeCompare(String(b.sk)))).toEqual(
      [...kept].sort((a, b) => a.sk.localeCompare(b.sk)),
    );
  });
});
