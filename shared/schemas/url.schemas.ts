/**
 * URLs the API accepts (a self-hosted node's JSON-RPC endpoint, which the platform calls and shows back):
 * absolute `http`/`https` URIs as RFC 3986 defines them, with a host and without credentials.
 *
 * WHATWG `new URL()` alone cannot decide this, because it repairs what it should refuse: it percent-encodes
 * spaces, NUL, U+202E and unpaired surrogates, drops tabs and newlines and trims control characters, so a check
 * of its result passes strings no URI may hold (and then the raw string is what gets stored). So the input itself
 * is matched against RFC 3986's character classes, component by component (the generic syntax of section 3 with
 * the authority form http(s) requires); only then does `new URL()` judge what the RFC leaves to the scheme: that
 * the host is a valid domain or IP address and the port fits in 16 bits.
 *
 * `user:password@` is refused: RFC 3986 (3.2.1) deprecates passwords in URIs, and this one is stored, logged and
 * shown to every member of the organisation.
 */
import { z } from '@hono/zod-openapi';

// RFC 3986's character classes (section 2 and appendix A).
const UNRESERVED = 'A-Za-z0-9\\-._~';
const SUB_DELIMS = "!$&'()*+,;=";
const PCT_ENCODED = '%[0-9A-Fa-f]{2}';
const PCHAR = `(?:[${UNRESERVED}${SUB_DELIMS}:@]|${PCT_ENCODED})`;

/** Every character RFC 3986 allows anywhere in a URI: unreserved, reserved and `%`. */
const URI_CHARACTER = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]$/;
const BROKEN_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const SCHEME = /^(?<scheme>[A-Za-z][A-Za-z0-9+\-.]*):/;

/** `scheme "://" authority path-abempty [ "?" query ] [ "#" fragment ]` (RFC 3986, section 3). */
const AUTHORITY_URI = new RegExp(
  [
    '^[A-Za-z][A-Za-z0-9+\\-.]*://',
    `(?:(?<userinfo>(?:[${UNRESERVED}${SUB_DELIMS}:]|${PCT_ENCODED})*)@)?`,
    `(?<host>\\[[0-9A-Fa-f:.]+\\]|(?:[${UNRESERVED}${SUB_DELIMS}]|${PCT_ENCODED})*)`,
    '(?::[0-9]*)?',
    `(?:/${PCHAR}*)*`,
    `(?:\\?(?:${PCHAR}|[/?])*)?`,
    `(?:#(?:${PCHAR}|[/?])*)?$`,
  ].join(''),
);

export const MAX_URL_LENGTH = 2048;

function codePointName(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why `value` is not an absolute http(s) URL with a host, in words for a field error; undefined when it is one. */
export function httpUrlProblem(value: string): string | undefined {
  for (const character of value) {
    if (!URI_CHARACTER.test(character)) {
      return `Contains ${codePointName(character)}, which a URL may not hold (RFC 3986); percent-encode it`;
    }
  }
  if (BROKEN_PERCENT.test(value)) return 'A % must start a percent-encoded octet (%XX)';
  const scheme = SCHEME.exec(value)?.groups?.scheme?.toLowerCase();
  if (!scheme) return 'Not an absolute URL: http(s)://host[:port]/path';
  if (scheme !== 'http' && scheme !== 'https') return 'Only http and https URLs are accepted';
  if (!value.slice(scheme.length + 1).startsWith('//')) return 'Needs a host: http(s)://host[:port]/path';
  const parts = AUTHORITY_URI.exec(value)?.groups;
  if (!parts) return 'Not a URL as RFC 3986 defines it: a character is out of place';
  if (parts.userinfo !== undefined) return 'Must not carry credentials (user:password@)';
  if (!parts.host) return 'Needs a host: http(s)://host[:port]/path';
  try {
    new URL(value);
  } catch {
    return 'The host or port is not valid';
  }
  return undefined;
}

/** An absolute http(s) URL with a host, no credentials, and only the characters RFC 3986 allows. */
export const HttpUrl = z
  .string()
  .max(MAX_URL_LENGTH)
  .superRefine((value, ctx) => {
    const problem = httpUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .openapi({ format: 'uri', example: 'https://rpc.member.example:8545/' });
