/**
 * Key builders for every item type of the single table, in one place so the access patterns can be read
 * side by side (see docs/architecture.md, "The single table").
 */
import { FLEET_SHARDS } from './table-schema.ts';

export const keys = {
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: 'META' }),
  email: (email: string) => ({ pk: `EMAIL#${email.toLowerCase()}`, sk: 'USER' }),
  session: (tokenHash: string) => ({ pk: `SESSION#${tokenHash}`, sk: 'META' }),
  loginAttempts: (email: string) => ({ pk: `LOGINFAIL#${email.toLowerCase()}`, sk: 'META' }),
  loginAttemptsFrom: (address: string) => ({ pk: `LOGINFAILFROM#${address.toLowerCase()}`, sk: 'META' }),
  org: (orgId: string) => ({ pk: `ORG#${orgId}`, sk: 'META' }),
  member: (orgId: string, userId: string) => ({ pk: `ORG#${orgId}`, sk: `MEMBER#${userId}` }),
  apiKey: (orgId: string, keyId: string) => ({ pk: `ORG#${orgId}`, sk: `APIKEY#${keyId}` }),
  invitation: (orgId: string, invitationId: string) => ({ pk: `ORG#${orgId}`, sk: `INVITE#${invitationId}` }),
  audit: (orgId: string, at: string, id: string) => ({ pk: `ORG#${orgId}`, sk: `AUDIT#${at}#${id}` }),
  idempotency: (orgId: string, scope: string, key: string) => ({
    pk: `ORG#${orgId}`,
    sk: `IDEMPOTENCY#${scope}#${key}`,
  }),
  network: (networkId: string) => ({ pk: `NET#${networkId}`, sk: 'META' }),
  networkName: (name: string) => ({ pk: `NETNAME#${name.toLowerCase()}`, sk: 'NETWORK' }),
  node: (orgId: string, nodeId: string) => ({ pk: `ORG#${orgId}`, sk: `NODE#${nodeId}` }),
  signingKey: (orgId: string, keyId: string) => ({ pk: `ORG#${orgId}`, sk: `KEY#${keyId}` }),
  dataProtectionPolicy: (networkId: string) => ({ pk: `NET#${networkId}`, sk: 'DATAPROTECTION' }),
  orgPatterns: (orgId: string) => ({ pk: `ORG#${orgId}`, sk: 'DATAPROTECTION#PATTERNS' }),
  exemption: (exemptionId: string) => ({ pk: `DPEXEMPTION#${exemptionId}`, sk: 'META' }),
} as const;

export const gsi1 = {
  membershipsOfUser: (userId: string) => `USER#${userId}`,
  apiKeyHash: (hash: string) => `APIKEYHASH#${hash}`,
  invitationHash: (hash: string) => `INVITEHASH#${hash}`,
  nodesOfNetwork: (networkId: string) => `NET#${networkId}`,
  exemptionsOfOrg: (orgId: string) => `DPEXEMPTIONS#${orgId}`,
  /** Personal-data evidence (audit entries of blocks and flags) of an organisation in one month. */
  personalDataEvidence: (orgId: string, month: string) => `DPEVIDENCE#${orgId}#${month}`,
} as const;

/** A stable shard for an id, so fleet-wide listings read FLEET_SHARDS partitions instead of scanning. */
export function shardOf(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return hash % FLEET_SHARDS;
}

export const gsi2 = {
  organisations: (shard: number) => `ORGS#${shard}`,
  nodes: (shard: number) => `NODES#${shard}`,
  networks: () => 'NETWORKS',
  exemptions: () => 'DPEXEMPTIONS',
  webhooks: (shard: number) => `WEBHOOKS#${shard}`,
  /** WebSocket connections of the AWS gateway that hold subscriptions (sparse), for the follower. */
  subscribedSockets: (shard: number) => `WSSUBS#${shard}`,
} as const;

export const prefixes = {
  member: 'MEMBER#',
  apiKey: 'APIKEY#',
  invitation: 'INVITE#',
  audit: 'AUDIT#',
  node: 'NODE#',
} as const;
