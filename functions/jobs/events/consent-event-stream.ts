/**
 * The consent ledger's `consent.*` events (docs/architecture.md, "Event streams"), derived from the ledger's own
 * logs by the chain-log follower with a cursor of their own (`CONSENTCURSOR`): the ledger is on chain, so its logs
 * are the record of what happened, and the persisted cursor makes every log one event, never lost or repeated
 * across restarts.
 *
 * Which log makes which event: `ConsentGiven` → `consent.granted`, `ConsentSuperseded` → `consent.superseded`,
 * `ConsentWithdrawn` → `consent.revoked`, `SubjectBlocked` → `consent.blocked` or `consent.unblocked`, and
 * `AccessLogged` with `emergency` → `consent.emergency_access` (an ordinary access is the grantee's own act, checked
 * against a consent: no event). Who is told: the grantee's organisation (whose member key the consent names) and
 * the organisation whose member key relayed the transaction, when it is another one; the platform's own relays
 * (patients' pages) tell only the grantee. Only organisations with an endpoint subscribed to the type get it.
 *
 * The data are the ledger's own: pseudonyms, member addresses, codes, hashes and chain positions. Nothing names a
 * patient: the ledger holds no personal data, and nothing else is added here.
 */
import type { LogDescription } from 'ethers';
import { consentLedgerInterface } from '../../../shared/chain/contracts/consent-ledger.ts';
import { wordCode } from '../../../shared/domain/consent.ts';
import {
  type ConsentEventType,
  consentEventId,
  isConsentEventType,
  type OutboxEntry,
  outboxFor,
  type PlatformEvent,
} from '../../../shared/domain/events.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { endpointWants, type WebhookEndpoint } from '../../../shared/domain/webhooks.ts';
import type { GovernanceRepository } from '../../../shared/store/governance.repository.ts';
import type { LogStream, LogsRead, RawLog } from './chain-log-follower.ts';

/** The ledger's log as an event type and the fields it tells, or undefined for logs that make no event. */
function describe(parsed: LogDescription): { type: ConsentEventType; grantee: string; fields: object } | undefined {
  const args = parsed.args;
  const grantee = String(args.grantee).toLowerCase();
  const subject = String(args.subject);
  switch (parsed.name) {
    case 'ConsentGiven':
      return {
        type: 'consent.granted',
        grantee,
        fields: {
          consentId: String(args.id),
          subject,
          purpose: wordCode(String(args.purpose)),
          decision: args.permit ? 'permit' : 'deny',
          supersedes: /^0x0+$/.test(String(args.supersedes)) ? null : String(args.supersedes),
        },
      };
    case 'ConsentSuperseded':
      return {
        type: 'consent.superseded',
        grantee,
        fields: { consentId: String(args.id), subject, supersededBy: String(args.by) },
      };
    case 'ConsentWithdrawn':
      return { type: 'consent.revoked', grantee, fields: { consentId: String(args.id), subject } };
    case 'SubjectBlocked':
      return {
        type: args.blocked ? 'consent.blocked' : 'consent.unblocked',
        grantee,
        fields: { subject, blocked: Boolean(args.blocked) },
      };
    case 'AccessLogged':
      if (!args.emergency) return undefined;
      return {
        type: 'consent.emergency_access',
        grantee,
        fields: {
          subject,
          purpose: wordCode(String(args.purpose)),
          resourceType: wordCode(String(args.resourceType)),
          loggedAt: new Date(Number(args.loggedAt) * 1000).toISOString(),
        },
      };
    default:
      return undefined;
  }
}

/** The consent ledger's stream: its logs only, on networks that have one. */
export function consentEventStream(members: Pick<GovernanceRepository, 'listMembers'>): LogStream {
  return {
    source: (network) => (network.consentLedgerAddress ? { address: network.consentLedgerAddress } : false),
    endpointsOn: (_network, endpoints) => endpoints.filter((endpoint) => endpoint.eventTypes.some(isConsentEventType)),
    async eventsOf(read) {
      const orgOf = await memberOrgs(members, read.network.id);
      const senders = await sendersOf(read);
      return read.logs.map((log) => consentEvents(read, log, orgOf, senders));
    },
  };
}

function consentEvents(
  read: LogsRead,
  log: RawLog,
  orgOf: (address: string) => string | undefined,
  senders: ReadonlyMap<string, string>,
): OutboxEntry[] {
  const parsed = consentLedgerInterface.parseLog({ topics: [...log.topics], data: log.data });
  const described = parsed ? describe(parsed) : undefined;
  if (!described) return [];
  const { network, timestamps, endpoints } = read;
  const relayedBy = senders.get(log.transactionHash.toLowerCase()) ?? null;
  const granteeOrgId = orgOf(described.grantee) ?? null;
  const relayedByOrgId = relayedBy ? (orgOf(relayedBy) ?? null) : null;
  const id = consentEventId(network.id, log.blockHash, Number(log.logIndex));
  const createdAt = new Date((timestamps.get(Number(log.blockNumber)) ?? 0) * 1000).toISOString();
  const data = {
    networkId: network.id,
    chainId: network.chainId,
    ledgerAddress: log.address.toLowerCase(),
    ...described.fields,
    grantee: described.grantee,
    granteeOrgId,
    relayedBy,
    relayedByOrgId,
    blockNumber: Number(log.blockNumber),
    blockHash: log.blockHash,
    transactionHash: log.transactionHash,
    logIndex: Number(log.logIndex),
  };
  const concerned = [granteeOrgId, relayedByOrgId].filter((org): org is string => org !== null);
  const events = [...new Set(concerned)]
    .sort()
    .map((orgId): PlatformEvent => ({ id, type: described.type, createdAt, orgId, data }))
    .filter((event) => wantedBy(endpoints, event));
  return outboxFor(events);
}

function wantedBy(endpoints: readonly WebhookEndpoint[], event: PlatformEvent): boolean {
  return endpoints.some((endpoint) => endpoint.orgId === event.orgId && endpointWants(endpoint, event));
}

/** The organisation behind each member address of the network's consortium (the watcher's records). */
async function memberOrgs(members: Pick<GovernanceRepository, 'listMembers'>, networkId: Network['id']) {
  const byAddress = new Map<string, string>();
  for (const member of await members.listMembers(networkId)) {
    if (member.orgId) byAddress.set(member.address.toLowerCase(), member.orgId);
  }
  return (address: string) => byAddress.get(address.toLowerCase());
}

/** Who sent each transaction of the logs: the member key that relayed it (requests made together go as one batch). */
async function sendersOf({ logs, provider }: LogsRead): Promise<Map<string, string>> {
  const hashes = [...new Set(logs.map((log) => log.transactionHash.toLowerCase()))];
  const transactions = await Promise.all(
    hashes.map((hash) => provider.send('eth_getTransactionByHash', [hash]) as Promise<{ from?: string } | null>),
  );
  const senders = new Map<string, string>();
  hashes.forEach((hash, i) => {
    const from = transactions[i]?.from;
    if (from) senders.set(hash, from.toLowerCase());
  });
  return senders;
}
