/**
 * E-mail addresses and telephone numbers in text.
 *
 * E-mail: found from each `@` outwards, at most 64 characters of local part and 253 of domain (RFC 5321's limits),
 * so the work is linear in the text whatever it holds; the domain needs a dot and a top-level label of letters.
 *
 * Telephone numbers: written internationally (`+46 70 123 45 67`, `0046…`, any country) or as Swedish national
 * numbers with their trunk prefix (`070-123 45 67`, `08-123 456 78`), and valid for the numbering plan according to
 * `libphonenumber-js` (its minimal metadata: each country's valid lengths and leading digits, a fifth of the full
 * metadata's size; the detector tests and the 10,000-transaction realistic mix find the same numbers and no false
 * positives with it). A national number of another country cannot be told from a number of some other kind and is
 * not reported; dates and digit runs inside hashes are not numbers.
 *
 * The numbering plans (the library and its metadata, 119 KiB of a bundle) are loaded by `loadNumberingPlans`, once
 * per process, before the first inspection (the inspector's `prepare`): a function's cold start does not read them.
 */
import type { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { lazyOnce } from '../lazy-once.ts';
import { insideHexToken, type TextMatch } from './text-match.ts';

let parsePhoneNumber: typeof parsePhoneNumberFromString | undefined;

/** Loads the numbering plans; quick once they are. */
export const loadNumberingPlans = lazyOnce(async () => {
  ({ parsePhoneNumberFromString: parsePhoneNumber } = await import('libphonenumber-js/min'));
});

/** Whether `loadNumberingPlans` has finished: telephone numbers can be validated. */
export function numberingPlansLoaded(): boolean {
  return parsePhoneNumber !== undefined;
}

const MAX_LOCAL_PART = 64;
const MAX_DOMAIN = 253;
const LOCAL_SYMBOLS = new Set(['.', '_', '%', '+', '-', "'"]);
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const TOP_LEVEL = /^\p{L}{2,63}$/u;

export function findEmailAddresses(text: string): TextMatch[] {
  const found: TextMatch[] = [];
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && at - start < MAX_LOCAL_PART && isLocalCharacter(text[start - 1] as string)) start--;
    while (start < at && text[start] === '.') start++;
    let end = at + 1;
    while (end < text.length && end - at <= MAX_DOMAIN && isDomainCharacter(text[end] as string)) end++;
    while (end > at + 1 && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
    const local = text.slice(start, at);
    const domain = text.slice(at + 1, end);
    if (isLocalPart(local) && isDomain(domain)) {
      found.push({ detector: 'email', index: start, length: end - start, value: `${local}@${domain}`.toLowerCase() });
    }
  }
  return found;
}

function isLocalCharacter(character: string): boolean {
  return LOCAL_SYMBOLS.has(character) || isLetterOrDigit(character);
}

function isDomainCharacter(character: string): boolean {
  return character === '.' || character === '-' || isLetterOrDigit(character);
}

function isLetterOrDigit(character: string): boolean {
  const code = character.charCodeAt(0);
  if (code < 0x80)
    return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
  return LETTER_OR_DIGIT.test(character);
}

function isLocalPart(local: string): boolean {
  return local.length > 0 && !local.endsWith('.') && !local.includes('..');
}

function isDomain(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  const topLevel = labels[labels.length - 1] as string;
  if (!TOP_LEVEL.test(topLevel)) return false;
  return labels.every(
    (label) => label.length > 0 && label.length <= 63 && !label.startsWith('-') && !label.endsWith('-'),
  );
}

/** International (`+`, `00`) or Swedish national (`0` then not `0`); digits with spaces, dashes and brackets. */
const PHONE_CANDIDATE = /(?<![\p{L}\p{N}_+])(?:\+|00)?\d[\d ()-]{5,22}\d(?![\p{L}\p{N}_])/gu;
/**
 * Tested first, without Unicode classes or look-arounds: what every candidate `phoneNumberOf` accepts holds. It starts
 * with `+` and a digit, or with `0` (`00…` or a trunk prefix), where no letter, digit, `_` or `+` is before it (a
 * non-ASCII letter passes here and is refused by the full search), and has at least five more characters of the
 * number and a digit after that (24 rather than 22: after `00` the class also covers the second `0` and a digit).
 * Dates and codes (`2026-11-24`, `LOT-20261124-0017`) fail it, so most texts with digits are done here.
 */
export const MAY_HOLD_NUMBER = /(?:^|[^A-Za-z0-9_+])(?:\+\d|0)[\d ()-]{5,24}\d/;
const DATE_LIKE = /^(?:\d{4}-\d{2}-\d{2}|\d{1,2}-\d{1,2}-\d{2,4})$/;
/** Fewest digits a telephone number has (the candidate shortcut in text-segments.ts reads text with this many). */
export const MIN_PHONE_DIGITS = 7;
const MAX_DIGITS = 15;

export function findPhoneNumbers(text: string): TextMatch[] {
  return MAY_HOLD_NUMBER.test(text) ? searchPhoneNumbers(text) : [];
}

/** The full search, without the first test (`findPhoneNumbers` finds exactly what this finds). */
export function searchPhoneNumbers(text: string): TextMatch[] {
  const found: TextMatch[] = [];
  PHONE_CANDIDATE.lastIndex = 0;
  for (let match = PHONE_CANDIDATE.exec(text); match !== null; match = PHONE_CANDIDATE.exec(text)) {
    const candidate = match[0];
    const index = match.index;
    // The context first: digits inside a hash or UUID are common and cheap to rule out, the numbering plan is not.
    if (insideHexToken(text, index, index + candidate.length)) continue;
    const value = phoneNumberOf(candidate);
    if (value === undefined) continue;
    found.push({ detector: 'phone', index, length: candidate.length, value });
  }
  return found;
}

/** The number in E.164 when `candidate` is written like a telephone number and valid for its plan. */
function phoneNumberOf(candidate: string): string | undefined {
  if (DATE_LIKE.test(candidate)) return undefined;
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < MIN_PHONE_DIGITS || digits.length > MAX_DIGITS + 2) return undefined;
  const international = candidate.startsWith('+') || candidate.startsWith('00');
  if (!international && (!candidate.startsWith('0') || candidate.startsWith('00'))) return undefined;
  if (!parsePhoneNumber) throw new Error('Telephone numbers are validated once loadNumberingPlans has finished');
  const number = parsePhoneNumber(international ? `+${digits.replace(/^00/, '')}` : digits, 'SE');
  return number?.isValid() ? number.number : undefined;
}
