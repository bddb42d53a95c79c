/**
 * `TenantCredentials` for local mode: sessions scoped to one organisation, issued here and checked by the local
 * vault (`LocalTenantKeyVault`) and the local table (`tenantTableClient`) by the rule IAM applies in AWS. A session
 * is good for an hour and replaced five minutes before it lapses, as the STS adapter does; only a session issued
 * by a `LocalTenantCredentials` of this process is accepted, so code cannot make one up.
 */
import { LRUCache } from 'lru-cache';
import { TenantAccessDeniedError } from '../../errors.ts';
import { memberOrgIdOf, type TenantCredentials, type TenantSession } from '../../ports/tenant-credentials.ts';

const issued = new WeakSet<TenantSession>();

export interface LocalTenantCredentialsOptions {
  /** @default 3600 */
  readonly durationSeconds?: number;
  /** @default 300 */
  readonly refreshBeforeSeconds?: number;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

export class LocalTenantCredentials implements TenantCredentials {
  private readonly sessions = new LRUCache<string, TenantSession>({ max: 1000 });
  private readonly durationMs: number;
  private readonly refreshBeforeMs: number;
  private readonly clock: () => Date;

  constructor(options: LocalTenantCredentialsOptions = {}) {
    this.durationMs = (options.durationSeconds ?? 3600) * 1000;
    this.refreshBeforeMs = (options.refreshBeforeSeconds ?? 300) * 1000;
    this.clock = options.clock ?? (() => new Date());
  }

  async sessionFor(orgId: string): Promise<TenantSession> {
    memberOrgIdOf(orgId);
    const now = this.clock().getTime();
    const kept = this.sessions.get(orgId);
    if (kept && kept.expiresAt.getTime() - this.refreshBeforeMs > now) return kept;
    const session: TenantSession = Object.freeze({ orgId, expiresAt: new Date(now + this.durationMs) });
    issued.add(session);
    this.sessions.set(orgId, session);
    return session;
  }

  /**
   * The organisation a session acts for, once it is known to be one this process issued and still valid: what
   * AWS checks of a session token before it evaluates any policy.
   */
  static organisationOf(session: TenantSession, now: Date): string {
    if (!issued.has(session) || session.expiresAt.getTime() <= now.getTime()) throw new TenantAccessDeniedError();
    return session.orgId;
  }
}
