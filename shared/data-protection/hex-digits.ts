/**
 * Hex as the inspector reads it: the ASCII codes of the hex digits, one array element per digit, byte `i` in the
 * digits at `2i` and `2i + 1`. A signed transaction reaches the gateway as a hex string; copying its characters into
 * an array of codes is one native copy, and the inspector turns into a byte only the pairs it reads. Decoding the
 * whole data first (Node's hex decoder makes a two-byte copy of the string before it decodes) was the largest single
 * cost of an inspection inside the gateway, and most of the data is never read: the scan for text jumps over binary.
 */

/** What `byteAt` gives for a pair that is not two hex digits: no byte, and not text to any table that reads it. */
export const NOT_A_BYTE = 0x100;

/** The value of each hex digit's code; `NOT_A_BYTE` for every other code, so a pair with one is above 0xff. */
const DIGIT_VALUE = Uint16Array.from({ length: 256 }, (_, code) => {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return NOT_A_BYTE;
});

/** Byte `i` of hex digits, or `NOT_A_BYTE` when either of its digits is not one. */
export function byteAt(hex: Uint8Array, i: number): number {
  const value =
    ((DIGIT_VALUE[hex[2 * i] as number] as number) << 4) | (DIGIT_VALUE[hex[2 * i + 1] as number] as number);
  return value > 0xff ? NOT_A_BYTE : value;
}

/** Whether the digits [from, to) are all hex digits (positions of digits, not bytes). */
export function areHexDigits(hex: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if ((DIGIT_VALUE[hex[i] as number] as number) === NOT_A_BYTE) return false;
  return true;
}

/**
 * Bytes as hex digits, for inspections that start from bytes (a message, typed data, a transaction the signing API
 * is asked to sign). A plain `Uint8Array`, as the gateway's copies are: the scan then reads one kind of array.
 */
export function hexDigitsOf(bytes: Uint8Array): Uint8Array {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  const hex = new Uint8Array(text.length);
  encoder.encodeInto(text, hex);
  return hex;
}

const encoder = new TextEncoder();

/**
 * Copies the characters of `text` into `into` as their codes when every one is ASCII, and says whether it did: a
 * character beyond ASCII is no hex digit, and would be more than one code. `into` is at least as long as `text`.
 */
export function copyAscii(text: string, into: Uint8Array): boolean {
  const { read, written } = encoder.encodeInto(text, into);
  return read === text.length && written === text.length;
}

/** The bytes [start, end) of hex digits, decoded into `into` (at least `end - start` long), as a view of it. */
export function decodeInto(hex: Uint8Array, start: number, end: number, into: Uint8Array): Uint8Array {
  for (let i = start; i < end; i++) into[i - start] = byteAt(hex, i);
  return into.subarray(0, end - start);
}
