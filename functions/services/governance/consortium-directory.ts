/**
 * Who is who in a network's consortium, for the read side: which organisation holds a member address (the
 * watcher's member records, the platform's own key) and what each organisation is called. The contract knows
 * addresses and, at best, an organisation id it was told; names are only the control plane's to add. Built once
 * per request from a handful of items: consortia are small.
 */
import { PLATFORM_ORG_ID, PLATFORM_ORG_NAME } from '../../../shared/domain/platform.ts';
import type { GovernanceRepository } from '../../../shared/store/governance.repository.ts';
import type { OrganisationsRepository } from '../../../shared/store/organisations.repository.ts';
import type { PlatformRepository } from '../../../shared/store/platform.repository.ts';

export interface DirectoryStores {
  readonly governance: GovernanceRepository;
  readonly organisations: OrganisationsRepository;
  readonly platform: PlatformRepository;
}

export interface ConsortiumDirectory {
  /** The organisation behind a member address (removed members included), when the control plane knows it. */
  orgOf(address: string): string | undefined;
  /**
   * The proposal that admitted a member address as the watcher recorded it: 0 for a founding member (the
   * constructor's admissions carry proposal 0), undefined while its event is not read yet.
   */
  admittedBy(address: string): number | undefined;
  /** An organisation's name, when it is one of ours. */
  nameOf(orgId: string | undefined | null): string | null;
}

export async function loadConsortiumDirectory(
  stores: DirectoryStores,
  networkId: string,
  /** Organisations named elsewhere in the answer (proposal subjects, proposers), whose names are needed too. */
  moreOrgIds: readonly (string | undefined | null)[] = [],
): Promise<ConsortiumDirectory> {
  const [members, platform] = await Promise.all([
    stores.governance.listMembers(networkId),
    stores.platform.getSigningKey(),
  ]);
  const byAddress = new Map(members.map((m) => [m.address.toLowerCase(), m]));
  const orgIds = new Set<string>();
  for (const id of [...members.map((m) => m.orgId), ...moreOrgIds]) if (id && id !== PLATFORM_ORG_ID) orgIds.add(id);
  const names = new Map<string, string>([[PLATFORM_ORG_ID, PLATFORM_ORG_NAME]]);
  await Promise.all(
    [...orgIds].map(async (orgId) => {
      const org = await stores.organisations.get(orgId);
      if (org) names.set(orgId, org.name);
    }),
  );
  const platformAddress = platform?.address.toLowerCase();
  return {
    orgOf: (address) =>
      address.toLowerCase() === platformAddress ? PLATFORM_ORG_ID : byAddress.get(address.toLowerCase())?.orgId,
    admittedBy: (address) => byAddress.get(address.toLowerCase())?.admittedBy,
    nameOf: (orgId) => (orgId ? (names.get(orgId) ?? null) : null),
  };
}
