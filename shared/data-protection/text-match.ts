/**
 * What a detector reports about one text: where a match starts and the matched value in a canonical form, and the
 * context rule the digit-based detectors share (a digit run inside a hash, an address or a UUID is not a number
 * anybody wrote).
 */
import type { PersonalDataDetector } from '../domain/data-protection.ts';

export interface TextMatch {
  readonly detector: PersonalDataDetector;
  /** Index of the match's first character in the text. */
  readonly index: number;
  /** Characters the match spans. */
  readonly length: number;
  /** Canonical form, fingerprinted as evidence and never shown. */
  readonly value: string;
  readonly patternId?: string;
}

/** A hex token this long around a digit run makes it part of a hash or key, not a number someone wrote. */
const HEX_TOKEN_LENGTH = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether text[start, end) sits inside a hex token (a hash, an address, a key: `0x…`, or 16 or more hex digits
 * with the match inside them) or a UUID.
 */
export function insideHexToken(text: string, start: number, end: number): boolean {
  let left = start;
  while (left > 0 && isHexDigit(text.charCodeAt(left - 1))) left--;
  let right = end;
  while (right < text.length && isHexDigit(text.charCodeAt(right))) right++;
  const extended = left < start || right > end;
  if (extended && right - left >= HEX_TOKEN_LENGTH) return true;
  if (left >= 2 && text.charCodeAt(left - 1) === 0x78 && text.charCodeAt(left - 2) === 0x30) {
    // `0x` right before the digits (and not part of a longer word).
    if (left === 2 || !isWordCharacter(text.charCodeAt(left - 3))) return true;
  }
  return insideUuid(text, start, end);
}

function insideUuid(text: string, start: number, end: number): boolean {
  let left = start;
  while (left > 0 && start - left < 36 && isUuidCharacter(text.charCodeAt(left - 1))) left--;
  let right = end;
  while (right < text.length && right - end < 36 && isUuidCharacter(text.charCodeAt(right))) right++;
  if (right - left < 36) return false;
  for (let from = left; from + 36 <= right; from++) {
    if (from <= start && from + 36 >= end && UUID.test(text.slice(from, from + 36))) return true;
  }
  return false;
}

function isHexDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

function isUuidCharacter(code: number): boolean {
  return isHexDigit(code) || code === 0x2d;
}

function isWordCharacter(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f
  );
}
