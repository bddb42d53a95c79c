/**
 * JSON read and written again without changing a single number. `JSON.parse` turns every number into a double, so
 * `9007199254740993` comes back as `9007199254740992`, `123456789012345678901234567890` as `1.2345678901234568e+29`,
 * `1.0` as `1` and `0.10` as `0.1`. A gateway that re-serialises what it reads would then answer with another
 * JSON-RPC id than the one sent (JSON-RPC 2.0 §5 asks for the same), forward other params than the client's, and
 * show other numbers than the node's.
 *
 * The gateway is a hot path and nearly every body has only small integers or none (Ethereum quantities are hex
 * strings), so the native `JSON.parse` and `JSON.stringify` stay in use whenever they cannot change a number. Only
 * then is the text parsed by lossless-json, which keeps the text of exactly the numbers a double would change
 * (`LosslessNumber`); every other number stays a plain `number`, so code reading the value is unaffected.
 * Walking the parsed value for unsafe integers alone would not do: `1.0`, `1e2` and anvil's `"gasUsedRatio":[0.0]`
 * parse to safe integers yet are written back as other text. (`JSON.parse` source text access and `JSON.rawJSON`
 * would do all this natively, but Node 20 has neither.)
 */
import {
  isLosslessNumber,
  LosslessNumber,
  parse as parseLossless,
  stringify as stringifyLossless,
} from 'lossless-json';

export { isLosslessNumber, type LosslessNumber };

/**
 * Any number token with a fraction, an exponent or 16 digits and more, or a minus zero: up to 15 digits without
 * fraction or exponent, a double always writes the token back as it was. A number inside an array or an object
 * always follows `[`, `,` or `:` and optional JSON whitespace, so none is missed; a match inside a string only
 * costs a slower parse. (Written digit first: it runs measurably faster than the plainer alternation.)
 */
const MAY_CHANGE = /[[,:][ \t\n\r]*-?\d(?:\d*[.eE]|\d{15})|[[,:][ \t\n\r]*-0/;
/** A document that is a bare number, which the pattern above does not see. */
const BARE_NUMBER = /^[ \t\n\r]*[-\d]/;

/** Whether `JSON.parse` and `JSON.stringify` might change the text of a number of this JSON text. */
export function mayChangeNumbers(text: string): boolean {
  return MAY_CHANGE.test(text) || BARE_NUMBER.test(text);
}

/**
 * Parses like `JSON.parse` (the same texts are refused with a `SyntaxError`; a repeated key keeps its last value),
 * but a number that a double would not write back as the same text becomes a `LosslessNumber` holding that text.
 * The text check costs a fraction of the parse (about 0.1 µs for a typical request).
 */
export function parseJson(text: string): unknown {
  return mayChangeNumbers(text) ? parseExactly(text) : JSON.parse(text);
}

/**
 * The same result as `parseJson`, for large texts that seldom hold a JSON number where it matters (a node's
 * answers). It parses natively first and checks the text only when `numbersMatter` finds a number in the value:
 * walking a parsed value is several times cheaper than scanning its text (a 140 kB block: ~30 µs against ~150 µs).
 */
export function parseJsonOfFewNumbers(text: string, numbersMatter: (value: unknown) => boolean): unknown {
  const value: unknown = JSON.parse(text);
  return numbersMatter(value) && mayChangeNumbers(text) ? parseExactly(text) : value;
}

/** Writes a value as JSON, each `LosslessNumber` as the text it was read from. */
export function stringifyJson(value: unknown): string {
  if (!holdsLosslessNumber(value)) return JSON.stringify(value);
  // Defined for every value the parsers here return; undefined only for values without a JSON form.
  return stringifyLossless(value) as string;
}

/** Whether a parsed JSON value holds a number anywhere. */
export function holdsNumber(value: unknown): boolean {
  if (typeof value === 'number' || isLosslessNumber(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(holdsNumber);
  for (const key in value) {
    if (holdsNumber((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

function parseExactly(text: string): unknown {
  return parseLossless(text, null, { parseNumber: numberOf, onDuplicateKey: ({ newValue }) => newValue });
}

/** A number token as a double when the double writes back the same text, else as its text. */
function numberOf(text: string): number | LosslessNumber {
  const number = Number(text);
  return String(number) === text ? number : new LosslessNumber(text);
}

function holdsLosslessNumber(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (isLosslessNumber(value)) return true;
  if (Array.isArray(value)) return value.some(holdsLosslessNumber);
  for (const key in value) {
    if (holdsLosslessNumber((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}
