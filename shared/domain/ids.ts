/**
 * Resource identifiers: a type prefix and 20 random base32 characters (100 bits), unguessable and URL-safe.
 */
import { webcrypto } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export const ID_PREFIXES = {
  org: 'org',
  user: 'usr',
  apiKey: 'key',
  invitation: 'inv',
  audit: 'aud',
  network: 'net',
  node: 'node',
  signingKey: 'sk',
  proposal: 'prop',
  maintenanceWindow: 'mw',
  incident: 'inc',
  upgradePlan: 'upg',
  backup: 'bak',
  exemption: 'dpx',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

export function randomBase32(length: number): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(length));
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return out;
}

export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${randomBase32(20)}`;
}

/** A regular expression source that matches ids of one kind, for path-parameter schemas. */
export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_[a-z2-7]{20}$`);
}
