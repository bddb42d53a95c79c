/**
 * A stream ticket opens one connection (shared/store/stream-tickets.repository.ts): redeemed once, by one of any
 * number of connections racing with it, never after it expires or when it was never issued; the connection it
 * opened is admitted again by the ticket's record until it expires. Real dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { sha256Hex } from '../../../shared/auth/secrets.ts';
import { StreamTicketsRepository } from '../../../shared/store/stream-tickets.repository.ts';
import { Table } from '../../../shared/store/table.ts';
import { startTable, TABLE_NAME } from '../../unit/handlers/handler-fixtures.ts';

/** Now, as the table's own clock reads it too (it hides items past their expiresAt). */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const HOUR_LATER = Math.floor(NOW.getTime() / 1000) + 3600;

let dynamo: EmbeddedDynamo;
let tickets: StreamTicketsRepository;

beforeAll(async () => {
  dynamo = await startTable();
  tickets = new StreamTicketsRepository(new Table(dynamo.client, TABLE_NAME));
});
afterAll(() => dynamo?.close());

async function issued(name: string, expiresAt = HOUR_LATER): Promise<string> {
  const hash = sha256Hex(`cct_${name}`);
  await tickets.create(hash, { orgId: 'org_tickets', nodeId: 'node_tickets', userId: 'user_1', expiresAt });
  return hash;
}

describe('stream tickets', () => {
  it('are redeemed once; the record still admits the connection it opened until it expires', async () => {
    const hash = await issued('once');
    expect(await tickets.redeem(hash, NOW)).toBe(true);
    expect(await tickets.redeem(hash, NOW)).toBe(false);
    expect(await tickets.find(hash, NOW)).toMatchObject({ nodeId: 'node_tickets', expiresAt: HOUR_LATER });
    expect(await tickets.find(hash, new Date(HOUR_LATER * 1000))).toBeUndefined();
  });

  it('open one of many connections racing with the same ticket', async () => {
    const hash = await issued('raced');
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => tickets.redeem(hash, NOW)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it('open nothing once expired, or when never issued', async () => {
    const hash = await issued('expired', Math.floor(NOW.getTime() / 1000) + 1);
    expect(await tickets.redeem(hash, new Date(NOW.getTime() + 1000))).toBe(false);
    expect(await tickets.redeem(sha256Hex('cct_never_issued'), NOW)).toBe(false);
    // A refused redemption writes nothing: an unknown ticket leaves no record behind.
    expect(await tickets.find(sha256Hex('cct_never_issued'), NOW)).toBeUndefined();
  });
});
