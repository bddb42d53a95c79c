/**
 * Resource identifiers: a type prefix and 20 random base32 characters (100 bits), unguessable and URL-safe.
 */
import { createHash, webcrypto } from 'node:crypto';

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
  event: 'evt',
  webhook: 'whk',
  delivery: 'dlv',
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

/**
 * An id that is the same every time it is made from the same text (a chain log's position, say): 100 bits of its
 * SHA-256, so two different texts never share one in practice.
 */
export function derivedId(kind: IdKind, text: string): string {
  const digest = createHash('sha256').update(text, 'utf8').digest();
  let out = '';
  for (let i = 0; i < 20; i++) out += ALPHABET[(digest[i] as number) & 31];
  return `${ID_PREFIXES[kind]}_${out}`;
}

/**
 * An id that sorts by the time it was made: 10 base32 characters of the milliseconds since 1970 (enough for
 * 35,000 years) and 10 random ones, so a listing by id is a listing by time.
 */
export function timeOrderedId(kind: IdKind, at: Date): string {
  let time = '';
  let ms = Math.max(0, Math.floor(at.getTime()));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[ms % 32] + time;
    ms = Math.floor(ms / 32);
  }
  return `${ID_PREFIXES[kind]}_${time}${randomBase32(10)}`;
}

/** A regular expression source that matches ids of one kind, for path-parameter schemas. */
export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_[a-z2-7]{20}$`);
}
