/**
 * Gives every request an id (the caller's `x-request-id` when it is sane, else a new one), a logger bound to it,
 * and one access-log line when it ends. Paths are logged with secrets in them redacted.
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../../shared/observability/logger.ts';
import type { AppEnv } from '../app-env.ts';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Paths that carry a secret in a segment: the gateway's URL form and invitation links. */
export function redactPath(path: string): string {
  return path.replace(/^(\/rpc\/[^/]+\/)[^/]+/, '$1[redacted]').replace(/^(\/v1\/invitations\/)[^/]+/, '$1[redacted]');
}

export function requestContext(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const requestId = given && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    const requestLogger = logger.child({ requestId });
    c.set('requestId', requestId);
    c.set('logger', requestLogger);
    c.set('principal', undefined);
    const started = performance.now();
    await next();
    c.res.headers.set('x-request-id', requestId);
    const principal = c.get('principal');
    requestLogger.info('request', {
      method: c.req.method,
      path: redactPath(new URL(c.req.url).pathname),
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      userId: principal?.kind === 'user' ? principal.user.id : undefined,
      apiKeyId: principal?.kind === 'api_key' ? principal.apiKey.id : undefined,
    });
  };
}
