/**
 * Every free-text field of the request schemas refuses text that is not well-formed Unicode (an unpaired UTF-16
 * surrogate, which JSON can carry and ethers, Stripe and URL encoders cannot encode), at the field's own path,
 * and still accepts any well-formed text: other scripts, emoji, right-to-left marks.
 */
import type { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { CreateMaintenanceWindow } from '../../../shared/schemas/health.schemas.ts';
import { LoginRequest, SignupRequest } from '../../../shared/schemas/identity.schemas.ts';
import { CreateNode } from '../../../shared/schemas/network.schemas.ts';
import { CreateApiKey, CreateOrganisation } from '../../../shared/schemas/organisation.schemas.ts';
import { CreateSigningKey, SignMessage, SignTypedData } from '../../../shared/schemas/signing-key.schemas.ts';

const LONE = 'x\ud800';
const WELL_FORMED = 'Läkemedel 👩‍⚕️ إحالة \u202e';

const typedData = (overrides: { domain?: object; types?: object; message?: object; primaryType?: string }) => ({
  domain: { name: 'CareChain Consent', version: '1', ...overrides.domain },
  types: overrides.types ?? { Consent: [{ name: 'purpose', type: 'string' }] },
  message: overrides.message ?? { purpose: 'research' },
  ...(overrides.primaryType && { primaryType: overrides.primaryType }),
});

/** Each case: a schema, a body with `text` in one free-text field, and the path the refusal must name. */
const CASES: Array<{
  field: string;
  schema: z.ZodType;
  body: (text: string) => unknown;
  path: Array<string | number>;
}> = [
  { field: 'sign-message message', schema: SignMessage, body: (text) => ({ message: text }), path: ['message'] },
  {
    field: 'typed-data domain name',
    schema: SignTypedData,
    body: (text) => typedData({ domain: { name: text } }),
    path: ['domain', 'name'],
  },
  {
    field: 'typed-data domain version',
    schema: SignTypedData,
    body: (text) => typedData({ domain: { version: text } }),
    path: ['domain', 'version'],
  },
  {
    field: 'typed-data type name',
    schema: SignTypedData,
    body: (text) => typedData({ types: { [text]: [{ name: 'purpose', type: 'string' }] } }),
    path: ['types', LONE],
  },
  {
    field: 'typed-data field name',
    schema: SignTypedData,
    body: (text) => typedData({ types: { Consent: [{ name: text, type: 'string' }] } }),
    path: ['types', 'Consent', 0, 'name'],
  },
  {
    field: 'typed-data primary type',
    schema: SignTypedData,
    body: (text) => typedData({ primaryType: text }),
    path: ['primaryType'],
  },
  {
    field: 'typed-data string value',
    schema: SignTypedData,
    body: (text) => typedData({ message: { purpose: text } }),
    path: ['message', 'purpose'],
  },
  {
    field: 'typed-data nested value',
    schema: SignTypedData,
    body: (text) => typedData({ message: { consent: { purposes: ['care', text] } } }),
    path: ['message', 'consent', 'purposes', 1],
  },
  {
    field: 'typed-data nested key',
    schema: SignTypedData,
    body: (text) => typedData({ message: { consent: { [text]: 'care' } } }),
    path: ['message', 'consent', LONE],
  },
  {
    field: 'organisation name (sent to Stripe)',
    schema: CreateOrganisation,
    body: (text) => ({ name: `Region ${text}`, type: 'hospital' }),
    path: ['name'],
  },
  { field: 'API key name', schema: CreateApiKey, body: (text) => ({ name: text }), path: ['name'] },
  {
    field: 'signing key description',
    schema: CreateSigningKey,
    body: (text) => ({ alias: 'pump', description: text }),
    path: ['description'],
  },
  {
    field: 'node name',
    schema: CreateNode,
    body: (text) => ({ networkId: 'net_aaaaaaaaaaaaaaaaaaaa', name: text }),
    path: ['name'],
  },
  {
    field: 'sign-up name',
    schema: SignupRequest,
    body: (text) => ({ email: 'anna@example.se', password: 'correct horse battery', name: text }),
    path: ['name'],
  },
  {
    field: 'sign-up password',
    schema: SignupRequest,
    body: (text) => ({ email: 'anna@example.se', password: `correct horse ${text}`, name: 'Anna' }),
    path: ['password'],
  },
  {
    field: 'login password',
    schema: LoginRequest,
    body: (text) => ({ email: 'anna@example.se', password: text }),
    path: ['password'],
  },
  {
    field: 'maintenance window description',
    schema: CreateMaintenanceWindow,
    body: (text) => ({ start: '2026-12-06T02:00:00.000Z', end: '2026-12-06T03:00:00.000Z', description: text }),
    path: ['description'],
  },
];

describe('free text in request bodies', () => {
  it.each(CASES)('$field: refuses an unpaired surrogate at the field', ({ schema, body, path }) => {
    const result = schema.safeParse(body(LONE));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path)).toContainEqual(path);
  });

  it.each(CASES)('$field: accepts well-formed text in any script', ({ schema, body }) => {
    const result = schema.safeParse(body(WELL_FORMED));
    expect(result.error?.issues ?? []).toEqual([]);
  });
});

describe('malformed text in typed data’s message, which is arbitrary JSON', () => {
  it('is found at any depth, where recursion would overflow the stack', () => {
    let deep: unknown = LONE;
    for (let level = 0; level < 50_000; level++) deep = [deep];
    const result = SignTypedData.safeParse(typedData({ message: { purpose: 'research', deep } }));
    expect(result.error?.issues.map((issue) => issue.path.length)).toEqual([50_002]);
  });

  it('is reported at most ten times', () => {
    const result = SignTypedData.safeParse(typedData({ message: { many: Array.from({ length: 1000 }, () => LONE) } }));
    expect(result.error?.issues).toHaveLength(10);
  });
});
