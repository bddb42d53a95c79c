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
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { Principal, Role, User } from '../../shared/domain/organisation.ts';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../../shared/errors.ts';
import { OrgId } from '../../shared/schemas/common.schemas.ts';
import { type MembershipLookup, type OrgAccess, resolveOrgAccess } from '../services/access/org-access.ts';
import { type AuditDeps, type AuditedChange, appendAudit, type ChangeAuthor } from '../services/audit/audit-trail.ts';
import type { AppEnv } from './app-env.ts';
import { fieldErrors } from './problem.ts';

/** What `orgAccess` adds to the context. */
export type OrgAccessEnv = { Variables: { access: OrgAccess } };
/** What `userOnly` and `operatorOnly` add to the context. */
export type UserEnv = { Variables: { user: User } };

/** The dependencies the guards read: memberships and organisations. */
export interface AccessDeps {
  readonly stores: { readonly organisations: MembershipLookup };
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
      c.set(
        'access',
        await resolveOrgAccess(deps.stores.organisations, principal, orgId.data, {
          role: needed,
          usersOnly: options.usersOnly,
        }),
      );
      await next();
    };
  return { orgAccess };
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
