/**
 * RFC 9457 problem+json: the one shape every HTTP refusal of the control plane takes, from the tenant API, the
 * JSON-RPC gateway and the Stripe webhook alike. Each app decides what `instance` may show (the gateway redacts a
 * key sent in its URL); the body and headers are built here.
 */
import { type AppError, type FieldError, PersonalDataRefusedError } from '../errors.ts';
import type { Problem } from '../schemas/common.schemas.ts';

export const PROBLEM_BASE = 'https://carechain.se/problems/';

export function problemBody(error: AppError, requestId: string | undefined, instance?: string): Problem {
  return {
    type: `${PROBLEM_BASE}${error.type}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    instance,
    requestId,
    errors:
      'fields' in error && Array.isArray(error.fields) && error.fields.length
        ? (error.fields as FieldError[])
        : undefined,
    findings:
      error instanceof PersonalDataRefusedError
        ? error.findings.map(({ detector, location }) => ({ detector, location }))
        : undefined,
  };
}

/** The error as a complete problem+json response, with the error's own headers (Retry-After, Allow...). */
export function problemResponse(error: AppError, instance: string, requestId?: string): Response {
  return new Response(JSON.stringify(problemBody(error, requestId, instance)), {
    status: error.status,
    headers: { 'content-type': 'application/problem+json', ...error.headers },
  });
}
