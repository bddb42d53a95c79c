/**
 * `TenantCredentials` on AWS STS: `AssumeRole` of the tenant role with the session tag `carechain:org=<orgId>`.
 * The role's policy allows KMS keys and table items only where their organisation equals the session's
 * (`${aws:PrincipalTag/carechain:org}`), so what these credentials can reach is decided by IAM, whatever the code
 * that holds them asks for. One session per organisation is kept and handed out until shortly before it expires
 * (concurrent requests share one AssumeRole); the number of organisations kept is bounded.
 */
import { AssumeRoleCommand, type AssumeRoleCommandOutput, type STSClient } from '@aws-sdk/client-sts';
import { LRUCache } from 'lru-cache';
import { PlatformError } from '../../errors.ts';
import {
  memberOrgIdOf,
  TENANT_TAG,
  type TenantCredentials,
  type TenantSession,
} from '../../ports/tenant-credentials.ts';

/** Temporary AWS credentials, in the shape SDK clients take as `credentials`. */
export interface AwsTemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface AwsTenantSession extends TenantSession {
  readonly credentials: AwsTemporaryCredentials;
}

export interface StsTenantCredentialsOptions {
  /** The tenant role (the control-plane stack's `TenantRole`). */
  readonly roleArn: string;
  /** Lifetime asked of STS; the role's maximum session duration bounds it. @default 3600 */
  readonly durationSeconds?: number;
  /** A session is replaced this long before it expires, so no request starts with credentials about to lapse. @default 300 */
  readonly refreshBeforeSeconds?: number;
  /** Organisations whose sessions are kept; the least recently used is dropped beyond this. @default 1000 */
  readonly maxOrganisations?: number;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

export class StsTenantCredentials implements TenantCredentials<AwsTenantSession> {
  private readonly sessions: LRUCache<string, Promise<AwsTenantSession>>;
  private readonly durationSeconds: number;
  private readonly refreshBeforeMs: number;
  private readonly clock: () => Date;

  /** @param sts one client for the container: it signs AssumeRole with the function's own role */
  constructor(
    private readonly sts: STSClient,
    private readonly options: StsTenantCredentialsOptions,
  ) {
    this.durationSeconds = options.durationSeconds ?? 3600;
    this.refreshBeforeMs = (options.refreshBeforeSeconds ?? 300) * 1000;
    this.clock = options.clock ?? (() => new Date());
    this.sessions = new LRUCache({ max: options.maxOrganisations ?? 1000 });
  }

  async sessionFor(orgId: string): Promise<AwsTenantSession> {
    memberOrgIdOf(orgId);
    const kept = this.sessions.get(orgId);
    if (kept) {
      const session = await kept.catch(() => undefined);
      if (session && this.fresh(session)) return session;
      // Another request may be renewing it already: share that AssumeRole rather than start a second.
      const renewing = this.sessions.get(orgId);
      if (renewing && renewing !== kept) return renewing;
    }
    const assuming = this.assume(orgId);
    this.sessions.set(orgId, assuming);
    // A failed AssumeRole must not stick: the next request tries again.
    assuming.catch(() => {
      if (this.sessions.get(orgId) === assuming) this.sessions.delete(orgId);
    });
    return assuming;
  }

  /** Credentials of `orgId` for an SDK client's `credentials` option; the client asks again when they expire. */
  credentialsFor(orgId: string): () => Promise<AwsTemporaryCredentials> {
    memberOrgIdOf(orgId);
    return async () => (await this.sessionFor(orgId)).credentials;
  }

  private fresh(session: AwsTenantSession): boolean {
    return session.expiresAt.getTime() - this.refreshBeforeMs > this.clock().getTime();
  }

  private async assume(orgId: string): Promise<AwsTenantSession> {
    let credentials: AssumeRoleCommandOutput['Credentials'];
    try {
      const response = await this.sts.send(
        new AssumeRoleCommand({
          RoleArn: this.options.roleArn,
          // Shown in CloudTrail next to every call these credentials make.
          RoleSessionName: `carechain-${orgId}`,
          DurationSeconds: this.durationSeconds,
          Tags: [{ Key: TENANT_TAG, Value: orgId }],
        }),
      );
      credentials = response.Credentials;
    } catch (cause) {
      throw new PlatformError(`The tenant role could not be assumed for ${orgId}`, { cause });
    }
    if (
      !credentials?.AccessKeyId ||
      !credentials.SecretAccessKey ||
      !credentials.SessionToken ||
      !credentials.Expiration
    ) {
      throw new PlatformError('AWS STS answered AssumeRole without complete credentials');
    }
    const expiresAt = credentials.Expiration;
    return {
      orgId,
      expiresAt,
      credentials: {
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretAccessKey,
        sessionToken: credentials.SessionToken,
        expiration: expiresAt,
      },
    };
  }
}
