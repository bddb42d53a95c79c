/**
 * The gateway's HTTP-level refusals as RFC 9457 problem+json, in the same shape as the tenant API's errors.
 * `instance` is the redacted path: a key sent in the URL must never be echoed back.
 */
import type { AppError } from '../../shared/errors.ts';
import { problemBody } from '../api/problem.ts';

export function problemResponse(error: AppError, instance: string): Response {
  return new Response(JSON.stringify(problemBody(error, undefined, instance)), {
    status: error.status,
    headers: { 'content-type': 'application/problem+json', ...error.headers },
  });
}
