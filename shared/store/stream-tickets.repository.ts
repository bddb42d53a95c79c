/**
 * Stream tickets: short-lived credentials the console gets for one node's live head over the gateway's WebSocket
 * (an API key must never be in a page). Kept as `STREAMTICKET#<sha256 of the ticket>` / `META` with `expiresAt`; the
 * ticket itself is never stored.
 */
import type { Item, Table } from './table.ts';

/** Tickets start with this, so the gateway tells them from API keys. */
export const STREAM_TICKET_PREFIX = 'cct';

export interface StreamTicket {
  readonly orgId: string;
  readonly nodeId: string;
  /** The user it was issued to. */
  readonly userId: string;
  readonly expiresAt: number;
}

type TicketItem = Item & StreamTicket;

const ticketKey = (hash: string) => ({ pk: `STREAMTICKET#${hash}`, sk: 'META' });

export class StreamTicketsRepository {
  constructor(private readonly table: Table) {}

  async create(hash: string, ticket: StreamTicket): Promise<void> {
    await this.table.create<TicketItem>({ ...ticketKey(hash), ...ticket, type: 'stream-ticket' });
  }

  /** The ticket with this hash, unless it expired by `now` (the table's TTL removes it later). */
  async find(hash: string, now: Date): Promise<StreamTicket | undefined> {
    const item = await this.table.get<TicketItem>(ticketKey(hash));
    if (!item || item.expiresAt * 1000 <= now.getTime()) return undefined;
    return { orgId: item.orgId, nodeId: item.nodeId, userId: item.userId, expiresAt: item.expiresAt };
  }
}
