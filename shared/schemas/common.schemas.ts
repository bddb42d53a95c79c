/**
 * Schemas shared by every route: problem details, identifiers, pagination. One schema is both the runtime check
 * and the TypeScript type; the OpenAPI document is generated from them, and the console imports the types.
 */
import { z } from '@hono/zod-openapi';
import { type IdKind, idPattern } from '../domain/ids.ts';

export const Problem = z
  .object({
    type: z.string().openapi({ example: 'https://carechain.se/problems/validation-failed' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Field errors, for validation failures' }),
    findings: z
      .array(z.object({ detector: z.string(), location: z.string() }))
      .optional()
      .openapi({
        description:
          'Personal data refused (422): each detector that matched and where (`calldata offset 68`), never the value',
      }),
  })
  .openapi('Problem');
export type Problem = z.infer<typeof Problem>;

export function idParam(kind: IdKind, example: string) {
  return z.string().regex(idPattern(kind), `Not a valid ${kind} id`).openapi({ example });
}

export const OrgId = idParam('org', 'org_b5x3k2m7q4z6w2n8p3r5');
export const UserId = idParam('user', 'usr_a2b3c4d5e6f7g2h3i4j5');
export const InvitationId = idParam('invitation', 'inv_a2b3c4d5e6f7g2h3i4j5');
export const ApiKeyId = idParam('apiKey', 'key_a2b3c4d5e6f7g2h3i4j5');
export const NetworkId = idParam('network', 'net_a2b3c4d5e6f7g2h3i4j5');
export const NodeId = idParam('node', 'node_a2b3c4d5e6f7g2h3i4j5');
export const SigningKeyId = idParam('signingKey', 'sk_a2b3c4d5e6f7g2h3i4j5');
export const MaintenanceWindowId = idParam('maintenanceWindow', 'mw_a2b3c4d5e6f7g2h3i4j5');
export const ExemptionId = idParam('exemption', 'dpx_a2b3c4d5e6f7g2h3i4j5');

export const Timestamp = z.string().openapi({ format: 'date-time', example: '2026-11-24T12:00:00.000Z' });

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional().openapi({ description: 'Page size (default 50)' }),
  cursor: z.string().max(2048).optional().openapi({ description: 'From the previous page’s `nextCursor`' }),
});

export function pageOf<T extends z.ZodType>(item: T, name: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);
}
