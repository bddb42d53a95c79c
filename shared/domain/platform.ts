/**
 * The platform itself as an owner: its signing key, the audit entries of operator actions, and the nodes it runs
 * for a network (genesis validators) belong to this organisation id, which no member organisation can have (member
 * ids are `org_` and 20 base32 characters).
 */
import type { NodeRecord } from './node.ts';

export const PLATFORM_ORG_ID = 'platform';

/** How the platform is named where organisations are (the consortium's members, the fleet). */
export const PLATFORM_ORG_NAME = 'CareChain (platform)';

/** Nodes the platform runs for itself (genesis validators): no organisation pays for them or gets their reports. */
export function isPlatformNode(node: Pick<NodeRecord, 'orgId'>): boolean {
  return node.orgId === PLATFORM_ORG_ID;
}
