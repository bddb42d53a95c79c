/**
 * The states of an organisation's signing key, as KMS has them: `enabled` ⇄ `disabled`, either → `pending-deletion`
 * (7–30 days, then gone). Only an enabled key signs.
 */
export const SIGNING_KEY_STATES = ['enabled', 'disabled', 'pending-deletion'] as const;
export type SigningKeyState = (typeof SIGNING_KEY_STATES)[number];
