/**
 * Works out who is calling: a session (bearer token or the console's HttpOnly cookie) or an API key (bearer or
 * `x-api-key`). A credential that is present but not valid is refused at once with 401; no credential leaves the
 * principal empty and lets each route decide.
 */
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { sha256Hex } from '../../../shared/auth/secrets.ts';
import { UnauthorizedError } from '../../../shared/errors.ts';
import type { AppDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { isPatientToken } from './patient-session.ts';

export const SESSION_COOKIE = 'carechain_session';
export const SESSION_TOKEN_PREFIX = 'ccs';
export const API_KEY_PREFIX = 'cck';
export const INVITATION_TOKEN_PREFIX = 'cci';

/** last-used times are written at most this often per key, so a busy key costs no write per request. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Credentials are read from the items this process read recently (shared/store/recent-items.ts): a logout or a
 * revocation made through another process takes effect here within `CARECHAIN_RECENT_READS_MS` (5 s by default);
 * one made through this process at once.
 */
const RECENT = { recent: true } as const;

export function authentication(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const lastTouched = new Map<string, number>();
  return async (c, next) => {
    const authorization = c.req.header('authorization');
    const given = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (authorization && !given) throw new UnauthorizedError('Use "Authorization: Bearer <token or API key>"');
    // A patient's session token is no CareChain account: the patient routes read it (patient-session.ts).
    const bearer = given && !isPatientToken(given) ? given : undefined;
    const apiKeySecret = c.req.header('x-api-key') ?? (bearer?.startsWith(`${API_KEY_PREFIX}_`) ? bearer : undefined);
    const sessionToken = bearer && !apiKeySecret ? bearer : bearer || given ? undefined : getCookie(c, SESSION_COOKIE);

    if (apiKeySecret) {
      const apiKey = await deps.stores.apiKeys.findBySecretHash(sha256Hex(apiKeySecret), RECENT);
      if (apiKey?.status !== 'active') throw new UnauthorizedError('The API key is not valid or was revoked');
      c.set('principal', { kind: 'api_key', apiKey });
      const now = deps.clock();
      if (now.getTime() - (lastTouched.get(apiKey.id) ?? 0) >= TOUCH_INTERVAL_MS) {
        lastTouched.set(apiKey.id, now.getTime());
        await deps.stores.apiKeys.touch(apiKey.orgId, apiKey.id, now);
      }
    } else if (sessionToken) {
      const sessionHash = sha256Hex(sessionToken);
      const userId = await deps.stores.users.getSessionUser(sessionHash, RECENT);
      const user = userId ? await deps.stores.users.get(userId, RECENT) : undefined;
      if (!user) throw new UnauthorizedError('The session has expired or was ended; log in again');
      c.set('principal', { kind: 'user', user, sessionHash });
    }
    await next();
  };
}
