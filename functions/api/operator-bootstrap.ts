/**
 * Makes sure the first CareChain operator exists. When no password is configured a random one is generated and
 * returned once, for the caller to show; it is never logged or stored in clear.
 */
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../shared/auth/secrets.ts';
import { newId } from '../../shared/domain/ids.ts';
import type { Stores } from './app-deps.ts';

export type OperatorBootstrap =
  | { readonly created: true; readonly email: string; readonly generatedPassword: string | undefined }
  | { readonly created: false; readonly email: string };

export async function ensureOperator(
  stores: Pick<Stores, 'users'>,
  options: { email: string; password: string | undefined; now: Date },
): Promise<OperatorBootstrap> {
  const existing = await stores.users.findByEmail(options.email);
  if (existing) return { created: false, email: options.email };
  const generatedPassword = options.password ? undefined : randomBytes(18).toString('base64url');
  const password = options.password ?? generatedPassword ?? '';
  await stores.users.create(
    {
      id: newId('user'),
      email: options.email,
      name: 'CareChain operator',
      operator: true,
      createdAt: options.now.toISOString(),
    },
    await hashPassword(password),
  );
  return { created: true, email: options.email, generatedPassword };
}
