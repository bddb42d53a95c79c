/**
 * RFC 9457 problem+json: the one shape every error of the API takes.
 */
import type { Context } from 'hono';
import type { ZodError } from 'zod';
import type { AppError, FieldError } from '../../shared/errors.ts';
import type { Problem } from '../../shared/schemas/common.schemas.ts';

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
  };
}

export function problemResponse(c: Context, error: AppError): Response {
  const body = problemBody(error, c.get('requestId') as string | undefined, new URL(c.req.url).pathname);
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { 'content-type': 'application/problem+json', ...error.headers },
  });
}

export function fieldErrors(error: ZodError, where: string): FieldError[] {
  return error.issues.map((issue) => {
    const path = [where, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return { path, message: `Unknown field(s): ${issue.keys.join(', ')}` };
    }
    // A record key that fails its schema: zod's own message says only "Invalid key in record".
    if (issue.code === 'invalid_key' && issue.issues[0]) {
      return { path, message: `Invalid key: ${issue.issues[0].message}` };
    }
    return { path, message: issue.message };
  });
}
