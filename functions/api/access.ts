/**
 * Authorisation for routes: who may act on an organisation, and how. Anyone who is not a member (or an API key
 * of another organisation) is told the organisation does not exist, so ids cannot be probed.
 */
import type { Context } from 'hono';
import { hasRole, type Organisation, type Role } from '../../shared/domain/organisation.ts';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../shared/errors.ts';
import type { AppDeps } from './app-deps.ts';
import type { AppEnv } from './app-env.ts';

export interface Actor {
  readonly type: 'user' | 'api_key';
  readonly id: string;
}

export interface OrgAccess {
  readonly org: Organisation;
  readonly role: Role;
  readonly actor: Actor;
}

export function requireUser(c: Context<AppEnv>) {
  const principal = c.get('principal');
  if (!principal) throw new UnauthorizedError('Log in or send a bearer token');
  if (principal.kind !== 'user') throw new ForbiddenError('This needs a signed-in user, not an API key');
  return principal.user;
}

export function requireOperator(c: Context<AppEnv>) {
  const user = requireUser(c);
  if (!user.operator) throw new ForbiddenError('Only CareChain operators may do this');
  return user;
}

/**
 * Checks that the caller may act on `orgId` with at least `role`. API keys act as `developer` with the `write`
 * scope and as `viewer` with `read`; `usersOnly` routes (credentials, members) refuse API keys altogether.
 */
export async function requireOrgAccess(
  c: Context<AppEnv>,
  deps: AppDeps,
  orgId: string,
  options: { role: Role; usersOnly?: boolean },
): Promise<OrgAccess> {
  const principal = c.get('principal');
  if (!principal) throw new UnauthorizedError('Log in or send a bearer token');
  const notFound = () => new NotFoundError('No such organisation');

  if (principal.kind === 'api_key') {
    const key = principal.apiKey;
    if (key.orgId !== orgId) throw notFound();
    const org = await deps.stores.organisations.get(orgId);
    if (!org) throw notFound();
    if (options.usersOnly) throw new ForbiddenError('This needs a signed-in user, not an API key');
    const role: Role | undefined = key.scopes.includes('write')
      ? 'developer'
      : key.scopes.includes('read')
        ? 'viewer'
        : undefined;
    if (!role || !hasRole(role, options.role)) {
      throw new ForbiddenError(`This API key's scopes (${key.scopes.join(', ')}) do not allow this`);
    }
    return { org, role, actor: { type: 'api_key', id: key.id } };
  }

  const membership = await deps.stores.organisations.getMember(orgId, principal.user.id);
  if (!membership) throw notFound();
  const org = await deps.stores.organisations.get(orgId);
  if (!org) throw notFound();
  if (!hasRole(membership.role, options.role)) {
    throw new ForbiddenError(`This needs the ${options.role} role or higher; you are ${membership.role}`);
  }
  return { org, role: membership.role, actor: { type: 'user', id: principal.user.id } };
}

/** Appends an audit entry for a change the caller made. */
export async function audit(
  c: Context<AppEnv>,
  deps: AppDeps,
  entry: { orgId: string; actor: Actor; action: string; target: string; details?: Record<string, unknown> },
): Promise<void> {
  await deps.stores.audit.append({
    orgId: entry.orgId,
    at: deps.clock().toISOString(),
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    requestId: c.get('requestId'),
    details: entry.details,
  });
}
