/**
 * Organisations (tenants) of the consortium, their members' roles and what each role may do.
 */

/** The consortium's member categories. */
export const ORGANISATION_TYPES = [
  'hospital',
  'care_provider',
  'pharmacy',
  'academia',
  'pharmaceutical',
  'health_insurer',
  'startup',
  'network_operator',
  'government',
  'fintech',
  'medtech',
  'other',
] as const;
export type OrganisationType = (typeof ORGANISATION_TYPES)[number];

export const ROLES = ['owner', 'admin', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, developer: 1, admin: 2, owner: 3 };

/** Whether `role` is at least as strong as `required`. */
export function hasRole(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

/** Who may grant a role: owners grant anything, admins anything below owner. */
export function canGrant(granter: Role, granted: Role): boolean {
  return granter === 'owner' || (hasRole(granter, 'admin') && granted !== 'owner');
}

export const API_KEY_SCOPES = ['rpc', 'read', 'write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const API_KEY_STATUSES = ['active', 'revoked'] as const;
export type ApiKeyStatus = (typeof API_KEY_STATUSES)[number];

export const INVITATION_STATUSES = ['pending', 'accepted', 'revoked'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

/** Who made a change the audit log records: a person, an API key, or the control plane itself. */
export const ACTOR_TYPES = ['user', 'api_key', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export interface Organisation {
  readonly id: string;
  readonly name: string;
  readonly type: OrganisationType;
  readonly country: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly ownerCount: number;
  readonly version: number;
}

export interface Membership {
  readonly orgId: string;
  readonly userId: string;
  readonly role: Role;
  readonly email: string;
  readonly name: string;
  readonly joinedAt: string;
}

export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly operator: boolean;
  readonly createdAt: string;
}

export interface ApiKey {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly status: ApiKeyStatus;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly lastUsedAt: string | undefined;
  readonly revokedAt: string | undefined;
}

export interface Invitation {
  readonly id: string;
  readonly orgId: string;
  readonly email: string;
  readonly role: Role;
  readonly status: InvitationStatus;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt: string;
  readonly acceptedBy: string | undefined;
}

export interface AuditEntry {
  readonly id: string;
  readonly orgId: string;
  readonly at: string;
  readonly actor: { readonly type: ActorType; readonly id: string };
  readonly action: string;
  readonly target: string;
  readonly requestId: string | undefined;
  readonly details: Record<string, unknown> | undefined;
}

/** Who is calling: a signed-in user (with the hash of the session that proves it) or an API key of one organisation. */
export type Principal =
  | { readonly kind: 'user'; readonly user: User; readonly sessionHash: string | undefined }
  | { readonly kind: 'api_key'; readonly apiKey: ApiKey };
