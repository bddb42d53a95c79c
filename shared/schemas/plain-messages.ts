/**
 * Validation messages in plain words. zod's own English ("Too small: expected string to have >=2 characters",
 * "Invalid option: expected one of \"a\"|\"b\"") is written for programmers; a hospital's administrator filling
 * in a form in the console, or reading a problem+json answer, should read what to enter instead. Installed as
 * zod's global error map, which a schema's own message still overrides: a field that says
 * `min(12, 'Use at least 12 characters')` keeps its words, every other one gets these.
 */
import { z } from '@hono/zod-openapi';

type Issue = z.core.$ZodRawIssue;

const count = (n: number | bigint, one: string, many: string) => `${n} ${Number(n) === 1 ? one : many}`;

const TYPE_WORDS: Record<string, string> = {
  string: 'Enter text',
  number: 'Enter a number',
  int: 'Enter a whole number',
  boolean: 'Choose yes or no',
  array: 'Give a list',
  object: 'Give a set of named values',
  date: 'Enter a date',
  bigint: 'Enter a whole number',
};

const FORMAT_WORDS: Record<string, string> = {
  email: 'Enter an e-mail address, such as name@hospital.se',
  url: 'Enter a web address, such as https://example.se',
  uuid: 'Enter an identifier in the form 123e4567-e89b-12d3-a456-426614174000',
  datetime: 'Enter a date and time, such as 2026-11-24T09:00:00Z',
  date: 'Enter a date, such as 2026-11-24',
  regex: 'Not in the expected form',
};

/** The plain sentence for an issue, or undefined to keep zod's (for codes with no better words). */
export function plainMessage(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'Required';
      return TYPE_WORDS[String(issue.expected)] ?? `Expected ${String(issue.expected)}`;
    case 'too_small':
      return tooSmall(issue.origin, issue.minimum, issue.inclusive);
    case 'too_big':
      return tooBig(issue.origin, issue.maximum, issue.inclusive);
    case 'invalid_format':
      return FORMAT_WORDS[issue.format] ?? 'Not in the expected form';
    case 'invalid_value':
      if (issue.input === undefined) return 'Required';
      return `Choose one of: ${issue.values.map(String).join(', ')}`;
    case 'not_multiple_of':
      return `Use a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `Not a field this request takes: ${issue.keys.join(', ')}`;
    case 'invalid_union':
      return 'Not one of the accepted forms';
    default:
      return undefined;
  }
}

function tooSmall(origin: string, minimum: number | bigint, inclusive = true): string {
  switch (origin) {
    case 'string':
      return Number(minimum) <= 1 ? 'Required' : `Use at least ${count(minimum, 'character', 'characters')}`;
    case 'array':
    case 'set':
      return `Give at least ${count(minimum, 'item', 'items')}`;
    default:
      return inclusive ? `Use a number of at least ${minimum}` : `Use a number greater than ${minimum}`;
  }
}

function tooBig(origin: string, maximum: number | bigint, inclusive = true): string {
  switch (origin) {
    case 'string':
      return `Use at most ${count(maximum, 'character', 'characters')}`;
    case 'array':
    case 'set':
      return `Give at most ${count(maximum, 'item', 'items')}`;
    default:
      return inclusive ? `Use a number of at most ${maximum}` : `Use a number less than ${maximum}`;
  }
}

z.config({ customError: plainMessage });
