/**
 * Authorisation as route middleware, declared with each route rather than called in its handler:
 *
 *   createRoute({ method: 'post', path: '/v1/orgs/{orgId}/nodes', middleware: orgAccess('developer'), ... })
 *
 * `orgAccess(role)` lets the request through only when the caller holds `role` (or more) in the organisation named
 * by the path's `{orgId}` and puts what it established on the context (`c.var.access`: the organisation, the
 * caller's role and the actor to audit); anyone else is told the organisation does not exist (404), so ids cannot
 * be probed. `userOnly` and `operatorOnly` put the signed-in user on the context (`c.var.user`); `signedIn` only
 * needs someone. Guards run before the request is validated: a caller who may not act learns nothing about what a
 * valid request would be. The organisation id's shape is checked first all the same, so a malformed id is a 400.
 *
 * `orgAccess` also opens the request's tenant scope (`c.var.tenant`, functions/services/access/tenancy.ts): the
 * organisation's keys and partition on credentials scoped to it, chosen from the caller alone. Routes act on the
 * organisation's own records and keys through it (`inTenant`), so what the guard lets through is bounded again
 * below the application.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { Principal, Role, User } from '../../shared/domain/organisation.ts';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../../shared/errors.ts';
import { OrgId } from '../../shared/schemas/common.schemas.ts';
import {
  type MembershipLookup,
  type OrgAccess,
  type OrgAccessResolver,
  resolveOrgAccess,
} from '../services/access/org-access.ts';
import type { Tenancy, TenantScope } from '../services/access/tenancy.ts';
import { type AuditDeps, type AuditedChange, appendAudit, type ChangeAuthor } from '../services/audit/audit-trail.ts';
import type { AppEnv } from './app-env.ts';
import { fieldErrors } from './problem.ts';

/** What `orgAccess` adds to the context. */
export type OrgAccessEnv = { Variables: { access: OrgAccess; tenant: TenantScope } };
/** The context of a request `orgAccess` let through. */
export type OrgContext = Context<AppEnv & OrgAccessEnv>;
/** What `userOnly` and `operatorOnly` add to the context. */
export type UserEnv = { Variables: { user: User } };

/** The dependencies the guards read: memberships and organisations, and the tenant scopes. */
export interface AccessDeps {
  readonly stores: { readonly organisations: MembershipLookup };
  readonly tenancy: Pick<Tenancy, 'forCaller'>;
  /**
   * @default resolveOrgAccess. The tenant scope does not depend on it: tests put a deliberately broken one here to
   * show that another organisation's keys and records stay out of reach without it.
   */
  readonly resolveAccess?: OrgAccessResolver;
}

function signedInUser(principal: Principal | undefined): User {
  if (!principal) throw new UnauthorizedError('Log in or send a bearer token');
  if (principal.kind !== 'user') throw new ForbiddenError('This needs a signed-in user, not an API key');
  return principal.user;
}

/** The signed-in user behind a request a guard let through for users only. */
export function requestingUser<E extends AppEnv>(c: Context<E>): User {
  return signedInUser(c.var.principal);
}

/** Whether the caller is a signed-in CareChain operator (routes open to everyone show operators more). */
export function callerIsOperator<E extends AppEnv>(c: Context<E>): boolean {
  const principal = c.var.principal;
  return principal?.kind === 'user' && principal.user.operator === true;
}

/** Anyone authenticated: a user or an API key. */
export const signedIn: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get('principal')) throw new UnauthorizedError('Log in or send a bearer token');
  await next();
};

/** A signed-in user, not an API key. */
export const userOnly: MiddlewareHandler<AppEnv & UserEnv> = async (c, next) => {
  c.set('user', signedInUser(c.get('principal')));
  await next();
};

/** A CareChain operator. */
export const operatorOnly: MiddlewareHandler<AppEnv & UserEnv> = async (c, next) => {
  const user = signedInUser(c.get('principal'));
  if (!user.operator) throw new ForbiddenError('Only CareChain operators may do this');
  c.set('user', user);
  await next();
};

/** What a role that depends on the request may look at. */
export interface RequestFacts {
  readonly principal: Principal | undefined;
  param(name: string): string | undefined;
}

/**
 * The `orgAccess` guard bound to the store it reads. `role` may depend on the request (leaving an organisation
 * needs less than removing someone else from it).
 */
export function accessGuards(deps: AccessDeps) {
  const resolveAccess = deps.resolveAccess ?? resolveOrgAccess;
  const orgAccess =
    (
      role: Role | ((request: RequestFacts) => Role),
      options: { readonly usersOnly?: boolean } = {},
    ): MiddlewareHandler<AppEnv & OrgAccessEnv> =>
    async (c, next) => {
      const orgId = OrgId.safeParse(c.req.param('orgId'));
      if (!orgId.success) throw new ValidationError('The param is not valid', fieldErrors(orgId.error, 'param.orgId'));
      const principal = c.get('principal');
      const needed = typeof role === 'function' ? role({ principal, param: (name) => c.req.param(name) }) : role;
      // The guard and the tenant scope each decide on the stored membership by themselves; the read is shared, so
      // the scope costs the request no read of its own. The guard's refusal is the answer.
      const organisations = sharedMembershipRead(deps.stores.organisations);
      const [access, tenant] = await Promise.allSettled([
        resolveAccess(organisations, principal, orgId.data, { role: needed, usersOnly: options.usersOnly }),
        deps.tenancy.forCaller(principal, orgId.data, organisations),
      ]);
      if (access.status === 'rejected') throw access.reason;
      if (tenant.status === 'rejected') {
        // The guard let through a caller whom the tenant scope refuses: a bug above the boundary, or a probe of one.
        c.get('logger')?.warn('refused by the tenant boundary', { error: tenant.reason, path: c.req.path });
        throw tenant.reason;
      }
      c.set('access', access.value);
      c.set('tenant', tenant.value);
      await next();
    };
  return { orgAccess };
}

/**
 * Memberships and organisations come from the items this process read recently (shared/store/recent-items.ts): a
 * removal or a role change made through another process takes effect here within `CARECHAIN_RECENT_READS_MS`.
 */
const RECENT = { recent: true } as const;

/** One request's membership look-ups: each item is read once, whoever asks for it first. */
function sharedMembershipRead(organisations: MembershipLookup): MembershipLookup {
  const members = new Map<string, ReturnType<MembershipLookup['getMember']>>();
  return {
    get: (orgId) => organisations.get(orgId, RECENT),
    getMember: (orgId, userId) => {
      const key = `${orgId}\u0000${userId}`;
      let read = members.get(key);
      if (!read) {
        read = organisations.getMember(orgId, userId, RECENT);
        members.set(key, read);
      }
      return read;
    },
  };
}

/**
 * A route's dependencies acting in the request's tenant scope: the organisation's own repositories (nodes, keys,
 * API keys, audit, usage) and vault replace the function's, the rest (networks, users, memberships) stay.
 */
export function inTenant<E extends AppEnv & OrgAccessEnv, D extends { readonly stores: object }>(
  c: Context<E>,
  deps: D,
): D {
  const { stores, vault } = c.var.tenant;
  const { usageRecords, ...repositories } = stores;
  return { ...deps, vault, usageRecords, stores: { ...deps.stores, ...repositories } };
}

/**
 * A route's dependencies for work signed by one of the organisation's keys: the key, its record and the audit log in
 * the request's tenant scope, while what spans organisations (a network's nodes, the consortium's members) is read
 * with the function's own credentials, as no organisation's scope can read it.
 */
export function withTenantKeys<
  E extends AppEnv & OrgAccessEnv,
  D extends { readonly stores: object; readonly vault: TenantScope['vault'] },
>(c: Context<E>, deps: D): D {
  const { stores, vault } = c.var.tenant;
  return { ...deps, vault, stores: { ...deps.stores, signingKeys: stores.signingKeys, audit: stores.audit } };
}

/** Appends an audit entry for a change the caller made, in this request. */
export async function audit<E extends AppEnv>(c: Context<E>, deps: AuditDeps, change: AuditedChange): Promise<void> {
  await appendAudit(deps, requestIdOf(c), change);
}

/** The id of this request, which audit entries and signatures are recorded with. */
export function requestIdOf<E extends AppEnv>(c: Context<E>): string | undefined {
  return c.var.requestId;
}

/** Who makes the change a route guarded by `orgAccess` asks for, for a service to audit. */
export function orgAuthor<E extends AppEnv & OrgAccessEnv>(c: Context<E>): ChangeAuthor {
  return { actor: c.var.access.actor, requestId: requestIdOf(c) };
}

/** Who makes the change a route guarded by `userOnly` or `operatorOnly` asks for. */
export function userAuthor<E extends AppEnv & UserEnv>(c: Context<E>): ChangeAuthor {
  return { actor: { type: 'user', id: c.var.user.id }, requestId: requestIdOf(c) };
}
