/**
 * Consents and accesses as the API shows them: times as ISO strings, codes as words, and the grantee's
 * organisation named when the control plane knows which organisation holds the member address.
 */
import { LRUCache } from 'lru-cache';
import type { AccessRecord } from '../../../shared/chain/contracts/consent-access-log.ts';
import type { ConsentRecord } from '../../../shared/chain/contracts/consent-ledger.ts';
import type { AccessView, ConsentView } from '../../../shared/schemas/consent.schemas.ts';
import { type DirectoryStores, loadConsortiumDirectory } from '../governance/consortium-directory.ts';

/** The name of the organisation behind a member address, when known. */
export type NameOfAddress = (address: string) => string | null;

export async function memberNames(stores: DirectoryStores, networkId: string): Promise<NameOfAddress> {
  const directory = await loadConsortiumDirectory(stores, networkId);
  return (address) => directory.nameOf(directory.orgOf(address));
}

/**
 * Member names per network for answers given many times a second (consent checks): looked up again after a few
 * seconds, since a name only labels an address and the decision never depends on it.
 */
export class MemberNameCache {
  private readonly names: LRUCache<string, NameOfAddress>;

  constructor(stores: DirectoryStores, ttlMs = 5_000) {
    this.names = new LRUCache<string, NameOfAddress>({
      max: 1_000,
      ttl: ttlMs,
      fetchMethod: (networkId) => memberNames(stores, networkId),
    });
  }

  async of(networkId: string): Promise<NameOfAddress> {
    return (await this.names.fetch(networkId)) as NameOfAddress;
  }
}

const iso = (seconds: number | undefined) => (seconds === undefined ? null : new Date(seconds * 1000).toISOString());

export function toConsentView(record: ConsentRecord, nameOf: NameOfAddress): ConsentView {
  return {
    id: record.id,
    subject: record.subject,
    grantee: record.grantee,
    granteeName: nameOf(record.grantee),
    controller: record.controller,
    purpose: record.purpose,
    resourceTypes: [...record.resourceTypes],
    dataFrom: iso(record.dataFrom),
    dataUntil: iso(record.dataUntil),
    validFrom: iso(record.validFrom),
    validUntil: iso(record.validUntil),
    decision: record.decision,
    status: record.status,
    recordedAt: iso(record.recordedAt) as string,
    policyHash: record.policyHash,
    receiptHash: record.receiptHash,
    supersedes: record.supersedes ?? null,
  };
}

export function toAccessView(access: AccessRecord, nameOf: NameOfAddress): AccessView {
  return {
    subject: access.subject,
    grantee: access.grantee,
    granteeName: nameOf(access.grantee),
    consentId: access.consentId ?? null,
    purpose: access.purpose,
    resourceType: access.resourceType,
    emergency: access.emergency,
    loggedAt: iso(access.loggedAt) as string,
    blockNumber: access.blockNumber,
    transactionHash: access.transactionHash,
  };
}
