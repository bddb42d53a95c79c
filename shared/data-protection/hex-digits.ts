/**
 * Hex as the inspector reads it: the ASCII codes of the hex digits in an array, byte `i` in the digits at `2i` and
 * `2i + 1`, read two at a time. A signed transaction reaches the gateway as a hex string; copying its characters into
 * an array of codes is one native copy, and the inspector turns into a byte only the pairs it reads. Decoding the
 * whole data first (Node's hex decoder makes a two-byte copy of the string before it decodes) was the largest single
 * cost of an inspection inside the gateway, and most of the data is never read: the scan for text jumps over binary.
 */

/** What `byteAt` gives for a pair that is not two hex digits: no byte, and not text to any table that reads it. */
export const NOT_A_BYTE = 0x100;

/**
 * Hex digits read two at a time: byte `i` is element `i` of a `Uint16Array` over the digits' codes, whose value holds
 * both codes. `PAIR_VALUE` gives the byte for each such value, `NOT_A_BYTE` for every pair that is not two hex
 * digits; one load and one look-up a byte, where reading the digits one by one took four loads. The table has a row for
 * every code of the second digit (128 KiB), of which the scan touches the rows and columns of hex digits.
 */
const PAIR_VALUE = new Uint16Array(0x10000).fill(NOT_A_BYTE);
/** The element's value for two codes, in the order this machine stores the two bytes of a `Uint16Array` element. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HEX_DIGITS = '0123456789abcdefABCDEF';
for (const high of HEX_DIGITS) {
  for (const low of HEX_DIGITS) {
    const first = high.charCodeAt(0);
    const second = low.charCodeAt(0);
    PAIR_VALUE[LITTLE_ENDIAN ? first | (second << 8) : (first << 8) | second] = Number.parseInt(high + low, 16);
  }
}

/** The element of two `0` digits (the same in either byte order). */
export const ZERO_PAIR = 0x3030;

/** Byte `i` of hex digits read as pairs, or `NOT_A_BYTE` when either of its digits is not one. */
export function byteAt(hex: Uint16Array, i: number): number {
  return PAIR_VALUE[hex[i] as number] as number;
}

/** Whether the bytes [from, to) of pairs are all two hex digits. */
export function areHexPairs(hex: Uint16Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (byteAt(hex, i) === NOT_A_BYTE) return false;
  return true;
}

/** The digits' codes in `digits` (an even number of them, from its start) read as pairs. */
export function pairsOf(digits: Uint8Array): Uint16Array {
  return new Uint16Array(digits.buffer, digits.byteOffset, digits.length >> 1);
}

/** Bytes as hex digits read as pairs, for inspections that start from bytes (a message, typed data, a transaction to sign). */
export function hexDigitsOf(bytes: Uint8Array): Uint16Array {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  const digits = new Uint8Array(text.length);
  encoder.encodeInto(text, digits);
  return pairsOf(digits);
}

/** 0x hex of whole bytes read as pairs, or undefined for anything else (a digit that is not hex anywhere). */
export function hexPairsOf(hex: string): Uint16Array | undefined {
  if (!isEvenHex(hex)) return undefined;
  const digits = new Uint8Array(hex.length - 2);
  if (!copyAscii(hex.slice(2), digits)) return undefined;
  const pairs = pairsOf(digits);
  return areHexPairs(pairs, 0, pairs.length) ? pairs : undefined;
}

/** Whether the text is `0x` and an even number of characters after it. */
export function isEvenHex(hex: string): boolean {
  return hex.length % 2 === 0 && hex.charCodeAt(0) === 0x30 && hex.charCodeAt(1) === 0x78;
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
export function decodeInto(hex: Uint16Array, start: number, end: number, into: Uint8Array): Uint8Array {
  for (let i = start; i < end; i++) into[i - start] = byteAt(hex, i);
  return into.subarray(0, end - start);
}
