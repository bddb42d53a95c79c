/**
 * Writes the flat TOML that Besu reads with `--config-file`: `key=value` lines grouped under comments (Besu
 * ignores table headings, so we use none). Only the value types Besu options take: strings, integers and
 * decimals, booleans, and arrays of strings. Strings are TOML basic strings with every character the spec
 * forbids raw (`"`, `\`, U+0000–U+001F, U+007F) escaped, so a user-supplied value cannot break out of its line.
 */
import { PlatformError } from '../../errors.ts';
export type TomlValue = string | number | boolean | readonly string[];

export interface TomlSection {
  /** One or more lines printed as `# …` above the entries. */
  readonly comment?: string;
  readonly entries: readonly (readonly [key: string, value: TomlValue | undefined])[];
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\f': '\\f',
  '\r': '\\r',
};

/** Sections separated by blank lines; entries whose value is undefined are left out. */
export function renderToml(sections: readonly TomlSection[]): string {
  return `${sections.map(renderSection).join('\n\n')}\n`;
}

function renderSection(section: TomlSection): string {
  const lines = section.comment ? tomlComment(section.comment) : [];
  for (const [key, value] of section.entries) {
    if (value === undefined) continue;
    if (!BARE_KEY.test(key)) throw new PlatformError(`Not a bare TOML key: ${JSON.stringify(key)}`);
    lines.push(`${key}=${tomlValue(value)}`);
  }
  return lines.join('\n');
}

export function tomlValue(value: TomlValue): string {
  if (typeof value === 'string') return tomlString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return tomlNumber(value);
  return `[${value.map(tomlString).join(', ')}]`;
}

export function tomlString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    const short = SHORT_ESCAPES[char];
    if (short) out += short;
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

function tomlNumber(value: number): string {
  // String() would print 1e21 or NaN, which are not TOML numbers.
  if (!Number.isFinite(value) || !/^-?\d+(\.\d+)?$/.test(String(value))) {
    throw new PlatformError(`Not a plain TOML number: ${value}`);
  }
  return String(value);
}

function tomlComment(text: string): string[] {
  return text.split(/\r?\n|\r/).map((line) => `# ${withoutControlCharacters(line)}`.trimEnd());
}

/** TOML comments may hold tabs but no other control characters. */
function withoutControlCharacters(line: string): string {
  let out = '';
  for (const char of line) {
    const code = char.codePointAt(0) ?? 0;
    out += (code < 0x20 && char !== '\t') || code === 0x7f ? ' ' : char;
  }
  return out;
}
