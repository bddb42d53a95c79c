/**
 * Free text as the API accepts it: any Unicode, but only Unicode. JSON can carry an unpaired UTF-16 surrogate
 * (`"\ud800"`), which is no character at all and has no UTF-8 form, so everything downstream that encodes text
 * fails on it: ethers (`toUtf8Bytes`, hence `hashMessage`, `id`, EIP-712 hashing), Stripe's form encoding
 * (`encodeURIComponent`), URL builders. Refusing it here, on every free-text field, turns what would be a crash
 * deep in a dependency into a 400 that names the field.
 */
import { z } from '@hono/zod-openapi';

export const MALFORMED_TEXT_MESSAGE = 'Not valid Unicode: contains an unpaired surrogate (U+D800–U+DFFF)';

export function isWellFormedText(value: string): boolean {
  return value.isWellFormed();
}

/** A string of well-formed Unicode; chain length and pattern checks after it as on `z.string()`. */
export const WellFormedText = z.string().refine(isWellFormedText, MALFORMED_TEXT_MESSAGE);

/** At most this many field errors for one JSON value: enough to act on, bounded for a hostile body. */
const MAX_REPORTED = 10;

type JsonPath = Array<string | number>;

/** A value met on the walk, with the way back to the root, so a path is only built for what gets reported. */
interface Visit {
  readonly value: unknown;
  readonly parent: Visit | undefined;
  readonly key: string | number | undefined;
}

function pathOf(visit: Visit | undefined, last?: string): JsonPath {
  const reversed: JsonPath = last === undefined ? [] : [last];
  for (let at = visit; at?.key !== undefined; at = at.parent) reversed.push(at.key);
  return reversed.reverse();
}

/**
 * The paths of the strings, keys included, in a JSON value that are not well-formed. Walked with an explicit
 * stack rather than recursion: a body within the size limit can nest deeper than the call stack.
 */
export function malformedTextPaths(value: unknown): JsonPath[] {
  const found: JsonPath[] = [];
  const stack: Visit[] = [{ value, parent: undefined, key: undefined }];
  for (let visit = stack.pop(); visit && found.length < MAX_REPORTED; visit = stack.pop()) {
    const item = visit.value;
    if (typeof item === 'string') {
      if (!isWellFormedText(item)) found.push(pathOf(visit));
    } else if (Array.isArray(item)) {
      for (let index = item.length - 1; index >= 0; index--)
        stack.push({ value: item[index], parent: visit, key: index });
    } else if (item !== null && typeof item === 'object') {
      for (const [key, element] of Object.entries(item).reverse()) {
        if (!isWellFormedText(key)) found.push(pathOf(visit, key));
        stack.push({ value: element, parent: visit, key });
      }
    }
  }
  return found.slice(0, MAX_REPORTED);
}

/** For `superRefine` on a schema that takes arbitrary JSON: one issue per malformed string, at its path. */
export function refuseMalformedText(value: unknown, ctx: z.RefinementCtx): void {
  for (const path of malformedTextPaths(value)) {
    ctx.addIssue({ code: 'custom', path, message: MALFORMED_TEXT_MESSAGE });
  }
}
