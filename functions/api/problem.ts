/**
 * Errors of the tenant API as problem+json (shared/http/problem.ts), with the request id and path of the request,
 * and zod's validation issues as the field errors a problem lists.
 */
import type { Context } from 'hono';
import type { ZodError } from 'zod';
import type { AppError, FieldError } from '../../shared/errors.ts';
import { problemResponse as problemJson } from '../../shared/http/problem.ts';

export function problemResponse(c: Context, error: AppError): Response {
  return problemJson(error, new URL(c.req.url).pathname, c.get('requestId') as string | undefined);
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
