/**
 * The gateway's HTTP-level refusals as RFC 9457 problem+json, in the same shape as the tenant API's errors.
 * `instance` is the redacted path: a key sent in the URL must never be echoed back.
 */
import type { AppError } from '../../shared/errors.ts';

export const PROBLEM_TYPE_BASE = 'https://carechain.se/problems/';

export function problemResponse(error: AppError, instance: string): Response {
  const body = {
    type: `${PROBLEM_TYPE_BASE}${error.type}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    instance,
  };
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { 'content-type': 'application/problem+json', ...error.headers },
  });
}
