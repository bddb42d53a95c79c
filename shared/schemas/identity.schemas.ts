/**
 * Sign-up, login, sessions and the current user.
 */
import { z } from '@hono/zod-openapi';
import { ROLES } from '../domain/organisation.ts';
import { Timestamp } from './common.schemas.ts';
import { WellFormedText } from './text.schemas.ts';

export const Email = z
  .email()
  .max(254)
  .transform((email) => email.toLowerCase())
  .openapi({ example: 'anna.lind@karolinska.example' });

export const Password = WellFormedText.min(12, 'Use at least 12 characters')
  .max(256)
  .openapi({ format: 'password', example: 'correct horse battery staple' });

export const SignupRequest = z
  .strictObject({ email: Email, password: Password, name: WellFormedText.trim().min(1).max(120) })
  .openapi('SignupRequest');
export type SignupRequest = z.infer<typeof SignupRequest>;

// Checked at login too: a password stored before sign-up checked it was hashed with U+FFFD for each unpaired
// surrogate (UTF-8 encoding), so that well-formed spelling still logs in.
export const LoginRequest = z
  .strictObject({ email: Email, password: WellFormedText.min(1).max(256).openapi({ format: 'password' }) })
  .openapi('LoginRequest');
export type LoginRequest = z.infer<typeof LoginRequest>;

export const UserView = z
  .object({ id: z.string(), email: z.string(), name: z.string(), operator: z.boolean(), createdAt: Timestamp })
  .openapi('User');
export type UserView = z.infer<typeof UserView>;

export const Session = z
  .object({
    token: z.string().openapi({ description: 'Bearer token; also set as an HttpOnly cookie for the console' }),
    expiresAt: Timestamp,
    user: UserView,
  })
  .openapi('Session');
export type Session = z.infer<typeof Session>;

export const MeView = z
  .object({
    user: UserView,
    memberships: z.array(z.object({ orgId: z.string(), orgName: z.string(), role: z.enum(ROLES) })),
  })
  .openapi('Me');
export type MeView = z.infer<typeof MeView>;
