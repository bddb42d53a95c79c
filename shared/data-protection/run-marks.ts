/**
 * What a run of text holds that some detector needs, noted while its bytes are read (text-segments.ts), so that a
 * run without any of it is never decoded or searched:
 * - `MARKS.email`: an `@` after a character an address's local part can end with, and a `.` after it (an address's
 *   domain has a dot);
 * - `MARKS.fhir`: one of the markers without which the FHIR detector finds nothing (fhir-detector.ts): `"resourceType"`,
 *   the OID prefix `1.2.752.`, or `electronichealth.se/` in any case;
 * - the shapes of its digits (number-shapes.ts), read byte by byte here as `numberShapes` reads them in the text.
 *
 * The bytes are hex digits (hex-digits.ts); every byte these read lies inside the run, whose bytes are text.
 */
import { byteAt } from './hex-digits.ts';

export const MARKS = { email: 1, fhir: 2 } as const;
/** An `@` seen after what a local part can end with, waiting for a `.` after it to become `MARKS.email`. */
export const AT = 4;

/**
 * The marks with one more mark character at byte `i` of a run that started at `start` and may reach `to`: `@`, `.`,
 * `"` or `/`. An `@` counts only after a character an address's local part can end with: bytecode is full of `` `@ ``
 * (PUSH1 0x40, the free memory pointer).
 */
export function withMark(marks: number, hex: Uint16Array, code: number, start: number, i: number, to: number): number {
  if (code === 0x40) return i > start && mayEndLocalPart(byteAt(hex, i - 1)) ? marks | AT : marks;
  if (code === 0x2e) {
    if (marks & AT) marks |= MARKS.email;
    return follows(hex, OID_PREFIX, start, i) ? marks | MARKS.fhir : marks;
  }
  if (code === 0x22) return precedes(hex, RESOURCE_TYPE, i + 1, to) ? marks | MARKS.fhir : marks;
  return followsIgnoringCase(hex, INERA_HOST, start, i) ? marks | MARKS.fhir : marks;
}

/** `"resourceType"` after its first `"`. */
const RESOURCE_TYPE = codes('resourceType"');
/** `1.2.752.` before its last `.`. */
const OID_PREFIX = codes('1.2.752');
/** `electronichealth.se/` before its `/`, compared in lower case. */
const INERA_HOST = codes('electronichealth.se');

function codes(text: string): Uint8Array {
  return Uint8Array.from(text, (character) => character.charCodeAt(0));
}

/** Whether the bytes right before `i`, from `start` on, are `expected`. */
function follows(hex: Uint16Array, expected: Uint8Array, start: number, i: number): boolean {
  const from = i - expected.length;
  if (from < start) return false;
  for (let k = 0; k < expected.length; k++) if (byteAt(hex, from + k) !== expected[k]) return false;
  return true;
}

/** The same with ASCII letters in any case (`expected` is lower case; `.` is its own lower case). */
function followsIgnoringCase(hex: Uint16Array, expected: Uint8Array, start: number, i: number): boolean {
  const from = i - expected.length;
  if (from < start) return false;
  for (let k = 0; k < expected.length; k++) if ((byteAt(hex, from + k) | 0x20) !== expected[k]) return false;
  return true;
}

/** Whether the bytes from `at`, before `to`, are `expected`. */
function precedes(hex: Uint16Array, expected: Uint8Array, at: number, to: number): boolean {
  if (at + expected.length > to) return false;
  for (let k = 0; k < expected.length; k++) if (byteAt(hex, at + k) !== expected[k]) return false;
  return true;
}

/**
 * Whether the last character of an e-mail address's local part can be this one (contact-detectors.ts): an ASCII
 * letter or digit, `_`, `%`, `+`, `-` or `'`, or any character or byte of a character beyond ASCII (letters of
 * other scripts). Not `.`: a local part does not end with one.
 */
export function mayEndLocalPart(code: number): boolean {
  if (code >= 0x80) return true;
  const letter = code | 0x20;
  return (
    (code >= 0x30 && code <= 0x39) ||
    (letter >= 0x61 && letter <= 0x7a) ||
    code === 0x5f ||
    code === 0x25 ||
    code === 0x2b ||
    code === 0x2d ||
    code === 0x27
  );
}

/** As `numberFollows` in number-shapes.ts: the six bytes from `at`, before `to`, are digits, spaces, `(`, `)` or `-`. */
export function numberFollowsAt(hex: Uint16Array, at: number, to: number): boolean {
  if (at + 6 > to) return false;
  for (let k = at; k < at + 6; k++) {
    const code = byteAt(hex, k);
    if (!((code >= 0x30 && code <= 0x39) || code === 0x20 || code === 0x28 || code === 0x29 || code === 0x2d))
      return false;
  }
  return true;
}
