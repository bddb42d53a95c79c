/**
 * Words that make a digit run part of a code. The personnummer detector does not report digits joined by a hyphen
 * to a word before them (`LOT-20261124-0017`, `REF-811228-9874`) unless the word is a label that names a
 * personnummer (`pnr-`, `personnummer-`). The number shapes read the same rule before any text is decoded
 * (number-shapes.ts from a string, text-segments.ts from bytes), so a lot number is not decoded at all.
 *
 * Both readings here look at ASCII letters and digits only, as the detector's own fast path does; a word with a
 * character beyond ASCII is the detector's Unicode expression to judge, and the shapes keep such a run.
 */
import { byteAt } from './hex-digits.ts';

/** The labels, in lower case, that name the number after them as a personnummer. */
export const PERSONNUMMER_LABELS = ['pnr', 'pn', 'personnr', 'personnummer', 'samordningsnummer', 'samnr', 'ssn'];

const LABEL_CODES = PERSONNUMMER_LABELS.map((label) => Uint8Array.from(label, (c) => c.charCodeAt(0)));

/** Whether the code is an ASCII letter or digit: what a code word is made of. */
export function isAsciiAlphanumeric(code: number): boolean {
  const letter = code | 0x20;
  return (code >= 0x30 && code <= 0x39) || (letter >= 0x61 && letter <= 0x7a);
}

/** Whether the ASCII letters and digits `text[from, to)` are a label, in any case. */
export function isLabel(text: string, from: number, to: number): boolean {
  for (const label of LABEL_CODES) {
    if (label.length !== to - from) continue;
    let k = 0;
    while (k < label.length && (text.charCodeAt(from + k) | 0x20) === label[k]) k++;
    if (k === label.length) return true;
  }
  return false;
}

/**
 * The same for the ASCII letters and digits that are the bytes [from, to) of hex digits (hex-digits.ts). Plain loops:
 * the scan asks at every hyphen after a word, and a callback made for each question would be garbage to collect.
 */
export function isLabelAt(hex: Uint16Array, from: number, to: number): boolean {
  for (const label of LABEL_CODES) {
    if (label.length !== to - from) continue;
    let k = 0;
    while (k < label.length && (byteAt(hex, from + k) | 0x20) === label[k]) k++;
    if (k === label.length) return true;
  }
  return false;
}
