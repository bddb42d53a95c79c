/**
 * What the digits of a text could form, read in one pass before the number detectors' regular expressions run on it.
 * Most texts with digits in a consortium's transactions hold dates, amounts, versions and UUIDs, which neither
 * detector matches; this pass sends them on without a regular expression being run, which matters most where the
 * inspector runs: inside a busy gateway, where a regular expression run a few times a second is slow to start.
 *
 * - `personnummer`: the digits every written personnummer has, as `\d{6}[-+]?\d{4}`: ten digits in a row, or six and
 *   four with one `-` or `+` between them (personnummer-detector.ts searches only such text), unless the run they
 *   start with is joined by a hyphen to a code word before it (`LOT-20261124-0017`; code-words.ts), which the
 *   detector does not report: the lot numbers of batch notes are the commonest digits of that shape;
 * - `phoneStart`: where a telephone number can start, as the phone detector's first test reads it: a `0`, or a `+`
 *   and a digit, at the start of the text or after a character that is not an ASCII letter, digit, `_` or `+`, with
 *   six more characters of a number after it (digits, spaces, `(`, `)` and `-`). Dates (`2026-01-05`) and times have
 *   a `0` after a separator, and a letter or `:` soon after it.
 *
 * test/unit/data-protection/candidate-text.test.ts checks on generated text that every text the personnummer detector
 * reports from has the first, that the first is that regular expression but for code words, and that every text the
 * phone detector's first test passes has the second.
 */
import { isAsciiAlphanumeric, isLabel } from './code-words.ts';

export const NUMBER_SHAPES = { personnummer: 1, phoneStart: 2 } as const;

const BOTH = NUMBER_SHAPES.personnummer | NUMBER_SHAPES.phoneStart;

/** Which of `NUMBER_SHAPES` the text holds. */
export function numberShapes(text: string): number {
  let shapes = 0;
  // Digits in a row up to here, and the run of digits right before the one `-` or `+` just before this run.
  let run = 0;
  let runBefore = 0;
  // Whether the character before is an ASCII letter, digit, `_` or `+`: no number starts right after one.
  let afterWord = false;
  // ASCII letters and digits in a row up to here, and whether the character before them is beyond ASCII.
  let word = 0;
  let wordAfterWide = false;
  // Whether the character before is a `-` after a code word, and whether this run of digits, and the run before the
  // one `-` or `+` just before it, started right after one.
  let codeHyphen = false;
  let joined = false;
  let joinedBefore = false;
  for (let i = 0; i < text.length && shapes !== BOTH; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) {
      if (run === 0) joined = codeHyphen;
      run++;
      if ((run >= 10 && !joined) || (run >= 4 && runBefore >= 6 && !joinedBefore)) shapes |= NUMBER_SHAPES.personnummer;
      if (code === 0x30 && !afterWord && numberFollows(text, i + 1)) shapes |= NUMBER_SHAPES.phoneStart;
      afterWord = true;
      word++;
      codeHyphen = false;
      continue;
    }
    const separator = code === 0x2d || code === 0x2b;
    runBefore = separator ? run : 0;
    joinedBefore = separator && joined;
    run = 0;
    codeHyphen = code === 0x2d && word > 0 && !wordAfterWide && !isLabel(text, i - word, i);
    // A letter here: digits were read above.
    const letter = isAsciiAlphanumeric(code);
    if (letter) {
      word++;
    } else {
      word = 0;
      wordAfterWide = code >= 0x80;
    }
    if (code === 0x2b) {
      const next = text.charCodeAt(i + 1);
      if (!afterWord && next >= 0x30 && next <= 0x39 && numberFollows(text, i + 2)) shapes |= NUMBER_SHAPES.phoneStart;
      afterWord = true;
    } else {
      afterWord = letter || code === 0x5f;
    }
  }
  return shapes;
}

/** Characters of a number the phone detector's first test needs after where a number starts. */
const NUMBER_AFTER_START = 6;

/** Whether the `NUMBER_AFTER_START` characters from `at` are digits, spaces, `(`, `)` or `-`. */
function numberFollows(text: string, at: number): boolean {
  if (at + NUMBER_AFTER_START > text.length) return false;
  for (let i = at; i < at + NUMBER_AFTER_START; i++) {
    const code = text.charCodeAt(i);
    if (!((code >= 0x30 && code <= 0x39) || code === 0x20 || code === 0x28 || code === 0x29 || code === 0x2d))
      return false;
  }
  return true;
}
