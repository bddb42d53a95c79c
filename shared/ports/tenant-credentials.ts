/**
 * Port for tenant-scoped credentials: what the control plane holds while it acts for one member organisation, and
 * what the layer below it checks, so that isolation between organisations does not rest on the application's
 * membership checks alone. `StsTenantCredentials` (AWS) assumes the tenant role with the session tag
 * `carechain:org=<orgId>`, and IAM then allows only that organisation's KMS keys and table partition;
 * `LocalTenantCredentials` (local mode) issues sessions that the local vault and the local table check by the same
 * rule. Both hand out a session until shortly before it expires, then a fresh one.
 *
 * Member organisations only: the platform's own work (its key, fleet-wide reads, jobs) keeps the function's own
 * credentials, and a session for `platform` or a malformed id is never issued.
 */
import { idPattern } from '../domain/ids.ts';
import { PlatformError } from '../errors.ts';

/** The session tag (and the KMS key tag) that names the organisation; IAM compares the two. */
export const TENANT_TAG = 'carechain:org';

/** Credentials that act for one organisation only. */
export interface TenantSession {
  readonly orgId: string;
  /** When the credentials stop working; providers hand out a fresh session before then. */
  readonly expiresAt: Date;
}

export interface TenantCredentials<S extends TenantSession = TenantSession> {
  /** A session scoped to `orgId`, reused until shortly before it expires. */
  sessionFor(orgId: string): Promise<S>;
}

const MEMBER_ORG_ID = idPattern('org');

/** Refuses to scope credentials to anything but a member organisation's id (never the platform, never a pattern). */
export function memberOrgIdOf(orgId: string): string {
  if (typeof orgId !== 'string' || !MEMBER_ORG_ID.test(orgId)) {
    throw new PlatformError(`Tenant credentials are issued for member organisations only, not for "${orgId}"`);
  }
  return orgId;
}
