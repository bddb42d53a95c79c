/**
 * Tenant scopes: what a request acts with when it acts for one member organisation. A scope holds that
 * organisation's keys (a vault on its tenant session) and its partition's repositories (a table on its tenant
 * session), so the layer below the application — IAM in AWS, the local vault and table rules locally — refuses
 * whatever another organisation owns, whichever id a route hands it.
 *
 * Whom a request acts for is decided here from the caller alone, apart from the route guards: an API key acts for
 * its own organisation only, whatever the path names; a user acts for the path's organisation only when a
 * membership says so (read with the function's own credentials). A bug in a guard therefore cannot hand one
 * organisation's caller another organisation's scope. The platform's own work for an organisation (offboarding)
 * asks for that organisation's scope directly.
 */
import { LRUCache } from 'lru-cache';
import type { Principal } from '../../../shared/domain/organisation.ts';
import { NotFoundError, UnauthorizedError } from '../../../shared/errors.ts';
import type { KeyVault } from '../../../shared/ports/key-vault.ts';
import type { OrganisationsRepository } from '../../../shared/store/organisations.repository.ts';
import type { TenantStores } from '../../../shared/store/stores.ts';

export interface TenantScope {
  readonly orgId: string;
  /** The organisation's signing keys only. */
  readonly vault: KeyVault;
  /** The organisation's own partition only. */
  readonly stores: TenantStores;
  /** Closes what the scope holds (SDK clients) once it is no longer kept. */
  readonly release?: () => void;
}

/** Reads a user's membership of an organisation (the stored item, with the function's own credentials). */
export type MembershipReader = Pick<OrganisationsRepository, 'getMember'>;

export interface TenancyParts {
  /** Builds an organisation's scope on its tenant session (the wiring's: KMS and DynamoDB, or the local rules). */
  readonly scopeOf: (orgId: string) => TenantScope;
  /** Memberships, read with the function's own credentials to learn whom a user's request acts for. */
  readonly memberships: MembershipReader;
  /** Scopes kept (their SDK clients and caches); the least recently used is dropped beyond this. @default 500 */
  readonly maxOrganisations?: number;
}

export class Tenancy {
  private readonly scopes: LRUCache<string, TenantScope>;

  constructor(private readonly parts: TenancyParts) {
    this.scopes = new LRUCache({ max: parts.maxOrganisations ?? 500, dispose: (scope) => scope.release?.() });
  }

  /** The scope of one organisation, for the platform's own work on it. */
  forOrganisation(orgId: string): TenantScope {
    let scope = this.scopes.get(orgId);
    if (!scope) {
      scope = this.parts.scopeOf(orgId);
      this.scopes.set(orgId, scope);
    }
    return scope;
  }

  /**
   * The scope a caller's request on `orgId` acts in: an API key's own organisation, or `orgId` for a member of it.
   * Anyone else is told the organisation does not exist, as the guards tell them.
   *
   * @param memberships where the membership is read: the request's own reader when the guard reads the same item
   *   (one read serves both; each decides on the stored membership by itself). @default the parts' memberships
   */
  async forCaller(
    principal: Principal | undefined,
    orgId: string,
    memberships: MembershipReader = this.parts.memberships,
  ): Promise<TenantScope> {
    if (!principal) throw new UnauthorizedError('Log in or send a bearer token');
    if (principal.kind === 'api_key') return this.forOrganisation(principal.apiKey.orgId);
    if (!(await memberships.getMember(orgId, principal.user.id))) {
      throw new NotFoundError('No such organisation');
    }
    return this.forOrganisation(orgId);
  }
}
