/**
 * Swedish personnummer and samordningsnummer in their written forms: YYMMDD-NNNN, YYMMDD+NNNN (over a hundred years
 * old), YYYYMMDD-NNNN and all of them without a separator, also inside longer text. The check digit and the date
 * (day + 60 for a samordningsnummer) are checked by the `personnummer` library; a digit run that is longer or shorter
 * than these forms, or that sits inside a hash, address or UUID, is not one. Nor is a segment of a hyphenated code
 * (`LOT-20261124-0017`, `REF-811228-9874-B`): a dated lot or order number is the commonest digit run of that shape in
 * a consortium's transactions, and one in ten has a valid check digit. A label before the hyphen (`pnr-`,
 * `personnummer-`, `ssn-`) still marks a personnummer.
 */
import * as personnummer from 'personnummer';
import { isAsciiAlphanumeric, isLabel, PERSONNUMMER_LABELS } from './code-words.ts';
import { insideHexToken, type TextMatch } from './text-match.ts';

// The package is CommonJS (`module.exports = Personnummer`) typed as an ES module with a default export, and has
// an ES build that bundlers pick: the class is whichever of the two shapes this runtime gave.
type PersonnummerClass = typeof personnummer.default.default;
const loaded = personnummer.default as PersonnummerClass | { readonly default: PersonnummerClass };
const Personnummer: PersonnummerClass = 'parse' in loaded ? loaded : loaded.default;

const CANDIDATE = /(?<!\d)(?:\d{2})?\d{6}[-+]?\d{4}(?!\d)/g;
/** What every candidate holds, tested first: one regular expression without look-arounds over most texts. */
const DIGIT_RUN = /\d{6}[-+]?\d{4}/;
const PARSE_OPTIONS = { allowCoordinationNumber: true, allowInterimNumber: false };

export function findPersonnummer(text: string): TextMatch[] {
  return DIGIT_RUN.test(text) ? searchPersonnummer(text) : [];
}

/**
 * The full search, without the first test: `findPersonnummer` finds exactly what this finds. The inspector calls it
 * for text whose digits it has read as having that shape already (number-shapes.ts).
 */
export function searchPersonnummer(text: string): TextMatch[] {
  const found: TextMatch[] = [];
  // `exec` on the expression itself: `matchAll` would build a copy of it for every text.
  CANDIDATE.lastIndex = 0;
  for (let match = CANDIDATE.exec(text); match !== null; match = CANDIDATE.exec(text)) {
    const candidate = match[0];
    const index = match.index;
    if (insideHexToken(text, index, index + candidate.length)) continue;
    if (segmentOfCode(text, index, index + candidate.length)) continue;
    const value = canonicalPersonnummer(candidate);
    if (value !== undefined) found.push({ detector: 'personnummer', index, length: candidate.length, value });
  }
  return found;
}

const HYPHEN_BEFORE = /([\p{L}\p{N}]+)-$/u;
const HYPHEN_AFTER = /^-[\p{L}\p{N}]/u;
const LABEL = new RegExp(`^(?:${PERSONNUMMER_LABELS.join('|')})$`, 'i');
const HYPHEN = 0x2d;
/** The text before a candidate that `HYPHEN_BEFORE` reads: a word of up to 23 characters and the hyphen. */
const BEFORE_LENGTH = 24;

/**
 * Whether text[start, end) is joined by hyphens to a word or number before it (not a label) or after it. The common
 * cases are read from the character codes: no hyphen next to the digits, or an ASCII word before the hyphen; a word
 * with any other character in it is read by the regular expression.
 */
export function segmentOfCode(text: string, start: number, end: number): boolean {
  if (text.charCodeAt(end) === HYPHEN && HYPHEN_AFTER.test(text.slice(end, end + 2))) return true;
  if (start === 0 || text.charCodeAt(start - 1) !== HYPHEN) return false;
  const limit = Math.max(0, start - BEFORE_LENGTH);
  let wordStart = start - 1;
  while (wordStart > limit) {
    const code = text.charCodeAt(wordStart - 1);
    if (code >= 0x80) return wordBeforeIsCode(text, start);
    if (!isAsciiAlphanumeric(code)) break;
    wordStart--;
  }
  return wordStart < start - 1 && !isLabel(text, wordStart, start - 1);
}

function wordBeforeIsCode(text: string, start: number): boolean {
  const before = HYPHEN_BEFORE.exec(text.slice(Math.max(0, start - BEFORE_LENGTH), start));
  return before !== null && !LABEL.test(before[1] ?? '');
}

/** The number in its 12-digit form, so every way of writing one person's number gives one fingerprint. */
function canonicalPersonnummer(candidate: string): string | undefined {
  if (!Personnummer.valid(candidate, PARSE_OPTIONS)) return undefined;
  return Personnummer.parse(candidate, PARSE_OPTIONS).format(true);
}
