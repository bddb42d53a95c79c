/**
 * Small helpers so route declarations stay short: JSON bodies and responses, and the error responses every
 * route documents.
 */
import { z } from '@hono/zod-openapi';
import { Problem } from '../../shared/schemas/common.schemas.ts';

export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { body: { content: { 'application/json': { schema } }, required: true, description } };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

const problem = (description: string) => ({
  content: { 'application/problem+json': { schema: Problem } },
  description,
});

/** The errors any authenticated route can answer with. */
export const errorResponses = {
  400: problem('The request is not valid (field errors listed)'),
  401: problem('Not authenticated'),
  403: problem('Authenticated, but not allowed'),
  404: problem('Not found (or not yours)'),
  409: problem('Conflicts with the current state'),
  413: problem('Body too large'),
  415: problem('Send application/json'),
  429: problem('Too many requests; see Retry-After'),
} as const;

/** Routes whose input the personal-data guard inspects (signing, consent relays). */
export const personalDataResponses = {
  422: problem(
    'Personal data the network’s policy blocks: `findings` names each detector and where it matched, never the value',
  ),
} as const;

export const noContent = { description: 'Done' } as const;

type SecurityRequirement = Record<string, string[]>;
export const security: SecurityRequirement[] = [{ bearer: [] }, { cookie: [] }, { apiKey: [] }];
export const userSecurity: SecurityRequirement[] = [{ bearer: [] }, { cookie: [] }];

export const emptyObject = z.object({});
