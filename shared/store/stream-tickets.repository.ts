/**
 * Stream tickets: short-lived credentials the console gets for one node's live head over the gateway's WebSocket
 * (an API key must never be in a page). Kept as `STREAMTICKET#<sha256 of the ticket>` / `META` with `expiresAt`; the
 * ticket itself is never stored. A ticket opens one connection: the gateway redeems it as the connection opens
 * (`redeemedAt`), so a ticket copied from a page, a log or a proxy's history opens nothing more; the connection it
 * opened is admitted again by the ticket's record until it expires.
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

  /**
   * Marks the ticket used by the connection it opens: true the first time, before it expires; false when it was used
   * already, has expired or was never issued. One conditional write, so two connections racing with one ticket
   * cannot both open.
   */
  async redeem(hash: string, now: Date): Promise<boolean> {
    return this.table.updateIf(ticketKey(hash), 'SET #redeemedAt = :redeemedAt', {
      expression: 'attribute_exists(pk) AND attribute_not_exists(#redeemedAt) AND #expiresAt > :nowSeconds',
      names: { '#redeemedAt': 'redeemedAt', '#expiresAt': 'expiresAt' },
      values: { ':redeemedAt': now.toISOString(), ':nowSeconds': now.getTime() / 1000 },
    });
  }

  /** The ticket with this hash, unless it expired by `now` (the table's TTL removes it later). */
  async find(hash: string, now: Date): Promise<StreamTicket | undefined> {
    const item = await this.table.get<TicketItem>(ticketKey(hash));
    if (!item || item.expiresAt * 1000 <= now.getTime()) return undefined;
    return { orgId: item.orgId, nodeId: item.nodeId, userId: item.userId, expiresAt: item.expiresAt };
  }
}
