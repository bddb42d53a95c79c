/**
 * Sign-up, login, logout and "who am I". Sessions are opaque random tokens stored only as hashes, so logout and
 * revocation take effect at once. Failed logins are counted per e-mail and per network address, and throttled.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { hashPassword, newSecret, sha256Hex, verifyPassword } from '../../../shared/auth/secrets.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { User } from '../../../shared/domain/organisation.ts';
import { TooManyRequestsError, UnauthorizedError } from '../../../shared/errors.ts';
import { LoginRequest, MeView, Session, SignupRequest } from '../../../shared/schemas/identity.schemas.ts';
import { userOnly } from '../access.ts';
import type { AppDeps, RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { SESSION_COOKIE, SESSION_TOKEN_PREFIX } from '../middleware/authentication.ts';
import { errorResponses, jsonBody, jsonResponse, noContent, userSecurity } from '../route-helpers.ts';

/** Failed logins allowed per e-mail within the window before login is refused. */
export const LOGIN_FAILURES_ALLOWED = 5;
/**
 * Failed logins allowed from one network address within the window, whatever e-mails they tried: one address
 * trying a password across many accounts (spraying) stops here. A hospital's staff behind one NAT address stays
 * well below it.
 */
export const LOGIN_FAILURES_ALLOWED_PER_ADDRESS = 30;
export const LOGIN_WINDOW_SECONDS = 15 * 60;

export type AuthRouteDeps = RouteDeps<'clock' | 'config' | 'clientAddress', 'users' | 'organisations'>;

export function registerAuthRoutes(app: OpenAPIHono<AppEnv>, deps: AuthRouteDeps) {
  const startSession = async (c: Context<AppEnv>, user: User) => {
    const token = newSecret(SESSION_TOKEN_PREFIX);
    const now = deps.clock();
    const ttlSeconds = deps.config.sessionTtlHours * 3600;
    await deps.stores.users.createSession(sha256Hex(token), user.id, now, ttlSeconds);
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Lax',
      secure: new URL(c.req.url).protocol === 'https:',
      path: '/',
      maxAge: ttlSeconds,
    });
    return { token, expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(), user };
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/signup',
      tags: ['identity'],
      summary: 'Create an account and log in',
      request: jsonBody(SignupRequest),
      responses: {
        201: jsonResponse(Session, 'Account created; the session is also set as a cookie'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const user: User = {
        id: newId('user'),
        email: body.email,
        name: body.name,
        operator: false,
        createdAt: deps.clock().toISOString(),
      };
      await deps.stores.users.create(user, await hashPassword(body.password));
      c.get('logger').info('user signed up', { userId: user.id });
      return c.json(await startSession(c, user), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/login',
      tags: ['identity'],
      summary: 'Log in with e-mail and password',
      request: jsonBody(LoginRequest),
      responses: { 200: jsonResponse(Session, 'Logged in; the session is also set as a cookie'), ...errorResponses },
    }),
    async (c) => {
      const { email, password } = c.req.valid('json');
      const now = deps.clock();
      const address = clientAddressOf(c, deps);
      if (address) {
        const fromAddress = await deps.stores.users.failedLoginsFrom(address);
        if (fromAddress.count >= LOGIN_FAILURES_ALLOWED_PER_ADDRESS) {
          throw new TooManyRequestsError(
            'Too many failed logins from this network address; wait before trying again',
            fromAddress.resetAt - now.getTime() / 1000,
          );
        }
      }
      const attempts = await deps.stores.users.failedLogins(email);
      if (attempts.count >= LOGIN_FAILURES_ALLOWED) {
        throw new TooManyRequestsError(
          'Too many failed logins for this account; wait before trying again',
          attempts.resetAt - now.getTime() / 1000,
        );
      }
      const stored = await deps.stores.users.findByEmail(email);
      const valid = await verifyPassword(password, stored?.passwordHash);
      if (!stored || !valid) {
        await deps.stores.users.recordFailedLogin(email, now, LOGIN_WINDOW_SECONDS);
        if (address) await deps.stores.users.recordFailedLoginFrom(address, now, LOGIN_WINDOW_SECONDS);
        throw new UnauthorizedError('The e-mail address or password is wrong');
      }
      if (attempts.count > 0) await deps.stores.users.clearFailedLogins(email);
      const { passwordHash: _hash, ...user } = stored;
      return c.json(await startSession(c, user), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/logout',
      tags: ['identity'],
      summary: 'End this session (the token stops working at once)',
      security: userSecurity,
      middleware: userOnly,
      responses: { 204: noContent, ...errorResponses },
    }),
    async (c) => {
      const principal = c.get('principal');
      if (principal?.kind === 'user' && principal.sessionHash)
        await deps.stores.users.deleteSession(principal.sessionHash);
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me',
      tags: ['identity'],
      summary: 'The signed-in user and their organisations',
      security: userSecurity,
      middleware: userOnly,
      responses: { 200: jsonResponse(MeView, 'The current user'), ...errorResponses },
    }),
    async (c) => {
      const user = c.var.user;
      const memberships = await deps.stores.organisations.membershipsOf(user.id);
      const orgs = await Promise.all(memberships.map((m) => deps.stores.organisations.get(m.orgId)));
      return c.json(
        {
          user,
          memberships: memberships.flatMap((m, i) => {
            const org = orgs[i];
            return org ? [{ orgId: m.orgId, orgName: org.name, role: m.role }] : [];
          }),
        },
        200,
      );
    },
  );
}

/** The caller's network address, or undefined where the server cannot tell (then only the e-mail is throttled). */
function clientAddressOf(c: Context<AppEnv>, deps: Pick<AppDeps, 'clientAddress'>): string | undefined {
  try {
    return deps.clientAddress?.(c) || undefined;
  } catch {
    return undefined;
  }
}
