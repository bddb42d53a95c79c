/**
 * Organisations, members, invitations, API keys and the audit log.
 */
import { z } from '@hono/zod-openapi';
import {
  ACTOR_TYPES,
  API_KEY_SCOPES,
  API_KEY_STATUSES,
  INVITATION_STATUSES,
  ORGANISATION_TYPES,
  ROLES,
} from '../domain/organisation.ts';
import { pageOf, Timestamp } from './common.schemas.ts';
import { Email } from './identity.schemas.ts';
import { WellFormedText } from './text.schemas.ts';

export const OrganisationType = z.enum(ORGANISATION_TYPES).openapi({ description: 'Member category' });
export const Role = z.enum(ROLES);
export const ApiKeyScope = z.enum(API_KEY_SCOPES);

export const CreateOrganisation = z
  .strictObject({
    name: WellFormedText.trim().min(2).max(120).openapi({ example: 'Karolinska Universitetssjukhuset' }),
    type: OrganisationType,
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'An ISO 3166-1 alpha-2 code, e.g. SE')
      .default('SE'),
  })
  .openapi('CreateOrganisation');
export type CreateOrganisation = z.infer<typeof CreateOrganisation>;

export const OrganisationView = z
  .object({
    id: z.string(),
    name: z.string(),
    type: OrganisationType,
    country: z.string(),
    createdAt: Timestamp,
    role: Role.optional().openapi({ description: 'The caller’s role, when the caller is a member' }),
  })
  .openapi('Organisation');
export type OrganisationView = z.infer<typeof OrganisationView>;

export const OrganisationList = z.object({ items: z.array(OrganisationView) }).openapi('OrganisationList');

export const MemberView = z
  .object({ userId: z.string(), email: z.string(), name: z.string(), role: Role, joinedAt: Timestamp })
  .openapi('Member');
export const MemberList = z.object({ items: z.array(MemberView) }).openapi('MemberList');

export const ChangeRole = z.strictObject({ role: Role }).openapi('ChangeRole');

export const CreateInvitation = z
  .strictObject({ email: Email, role: Role.default('developer') })
  .openapi('CreateInvitation');
export type CreateInvitation = z.infer<typeof CreateInvitation>;

export const InvitationView = z
  .object({
    id: z.string(),
    orgId: z.string(),
    email: z.string(),
    role: Role,
    status: z.enum(INVITATION_STATUSES),
    createdAt: Timestamp,
    expiresAt: Timestamp,
  })
  .openapi('Invitation');
export type InvitationView = z.infer<typeof InvitationView>;

export const CreatedInvitation = InvitationView.extend({
  token: z.string().openapi({ description: 'The secret; shown only now. Whoever holds it can accept.' }),
  acceptUrl: z.string().openapi({ description: 'Link to send to the invitee (there is no mail server)' }),
}).openapi('CreatedInvitation');

export const InvitationList = z.object({ items: z.array(InvitationView) }).openapi('InvitationList');

export const CreateApiKey = z
  .strictObject({
    name: WellFormedText.trim().min(1).max(80).openapi({ example: 'lab-integration' }),
    scopes: z
      .array(ApiKeyScope)
      .min(1)
      .max(3)
      .refine((scopes) => new Set(scopes).size === scopes.length, 'Each scope once')
      .default(['rpc']),
  })
  .openapi('CreateApiKey');
export type CreateApiKey = z.infer<typeof CreateApiKey>;

export const ApiKeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: 'The first characters of the secret, to tell keys apart' }),
    scopes: z.array(ApiKeyScope),
    status: z.enum(API_KEY_STATUSES),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable(),
    revokedAt: Timestamp.nullable(),
  })
  .openapi('ApiKey');
export type ApiKeyView = z.infer<typeof ApiKeyView>;

export const CreatedApiKey = ApiKeyView.extend({
  secret: z.string().openapi({ description: 'Shown only once; store it now. Only its hash is kept.' }),
}).openapi('CreatedApiKey');

export const ApiKeyList = z.object({ items: z.array(ApiKeyView) }).openapi('ApiKeyList');

export const AuditEntryView = z
  .object({
    id: z.string(),
    at: Timestamp,
    actor: z.object({ type: z.enum(ACTOR_TYPES), id: z.string() }),
    action: z.string().openapi({ example: 'api-key.created' }),
    target: z.string(),
    requestId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('AuditEntry');
export const AuditPage = pageOf(AuditEntryView, 'AuditPage');
