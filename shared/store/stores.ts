/**
 * The repositories over one table, built together by whoever wires the app (handlers, local runtime, tests).
 */
import { ApiKeysRepository } from './api-keys.repository.ts';
import { AuditRepository } from './audit.repository.ts';
import { BillingRepository } from './billing.repository.ts';
import { ChainLogCursorsRepository } from './chain-log-cursors.repository.ts';
import { EventsRepository } from './events.repository.ts';
import { GovernanceRepository } from './governance.repository.ts';
import { GovernanceVotesRepository } from './governance-votes.repository.ts';
import { InvitationsRepository } from './invitations.repository.ts';
import { NetworksRepository } from './networks.repository.ts';
import { NodesRepository } from './nodes.repository.ts';
import { OrganisationsRepository } from './organisations.repository.ts';
import { PlatformRepository } from './platform.repository.ts';
import { SigningKeysRepository } from './signing-keys.repository.ts';
import { StreamTicketsRepository } from './stream-tickets.repository.ts';
import type { Table } from './table.ts';
import { UsersRepository } from './users.repository.ts';
import { WebhooksRepository } from './webhooks.repository.ts';

export function createStores(table: Table, clock: () => Date = () => new Date()) {
  return {
    users: new UsersRepository(table),
    organisations: new OrganisationsRepository(table),
    apiKeys: new ApiKeysRepository(table),
    invitations: new InvitationsRepository(table),
    audit: new AuditRepository(table),
    networks: new NetworksRepository(table),
    nodes: new NodesRepository(table, clock),
    platform: new PlatformRepository(table),
    signingKeys: new SigningKeysRepository(table),
    billing: new BillingRepository(table),
    governance: new GovernanceRepository(table, clock),
    governanceVotes: new GovernanceVotesRepository(table),
    webhooks: new WebhooksRepository(table),
    events: new EventsRepository(table, clock),
    chainLogCursors: new ChainLogCursorsRepository(table, clock),
    streamTickets: new StreamTicketsRepository(table),
  };
}
