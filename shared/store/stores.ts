/**
 * The repositories over one table, built together by whoever wires the app (handlers, local runtime, tests).
 */
import { UsageRepository } from '../metering/usage.repository.ts';
import { ApiKeysRepository } from './api-keys.repository.ts';
import { AuditRepository } from './audit.repository.ts';
import { BackupsRepository } from './backups.repository.ts';
import { BillingRepository } from './billing.repository.ts';
import { ChainLogCursorsRepository, LOG_CURSOR_KINDS } from './chain-log-cursors.repository.ts';
import { DataProtectionRepository } from './data-protection.repository.ts';
import { EventsRepository } from './events.repository.ts';
import { GovernanceRepository } from './governance.repository.ts';
import { GovernanceVotesRepository } from './governance-votes.repository.ts';
import { InvitationsRepository } from './invitations.repository.ts';
import { NetworkHealthRepository } from './network-health.repository.ts';
import { NetworksRepository } from './networks.repository.ts';
import { NodesRepository } from './nodes.repository.ts';
import { OrganisationsRepository } from './organisations.repository.ts';
import { PlatformRepository } from './platform.repository.ts';
import { SigningKeysRepository } from './signing-keys.repository.ts';
import { SiweNoncesRepository } from './siwe-nonces.repository.ts';
import { StreamTicketsRepository } from './stream-tickets.repository.ts';
import type { Table } from './table.ts';
import { UpgradesRepository } from './upgrades.repository.ts';
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
    siweNonces: new SiweNoncesRepository(table),
    networkHealth: new NetworkHealthRepository(table),
    upgrades: new UpgradesRepository(table),
    backups: new BackupsRepository(table),
    dataProtection: new DataProtectionRepository(table),
    webhooks: new WebhooksRepository(table),
    events: new EventsRepository(table, clock),
    chainLogCursors: new ChainLogCursorsRepository(table, clock),
    consentCursors: new ChainLogCursorsRepository(table, clock, LOG_CURSOR_KINDS.consent),
    streamTickets: new StreamTicketsRepository(table),
  };
}

/**
 * The repositories of one organisation's own partition (`ORG#<orgId>`: its nodes, keys, API keys, audit entries
 * and usage), built over a table whose client holds that organisation's tenant session. Every access pattern of
 * these repositories that a request of the organisation uses is a key look-up or a query of that partition; their
 * index reads (the gateway's API-key look-up, a network's nodes, the fleet) stay on the function's own table.
 */
export function createTenantStores(table: Table, clock: () => Date = () => new Date()) {
  return {
    apiKeys: new ApiKeysRepository(table),
    audit: new AuditRepository(table),
    nodes: new NodesRepository(table, clock),
    signingKeys: new SigningKeysRepository(table),
    usageRecords: new UsageRepository(table, clock),
  };
}

export type TenantStores = ReturnType<typeof createTenantStores>;
