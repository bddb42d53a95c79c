/**
 * Structured JSON logs, one object a line. Secrets are redacted before anything is written, as a second line of
 * defence (callers should not pass secrets in the first place), by what they are rather than by a fragment of a
 * field's name: a field whose name says it holds a secret (`password`, `stripeWebhookSecret`, `apiKey`, `token`,
 * `authorization`…), and anywhere in any string the secrets CareChain hands out (API keys, session and invitation
 * tokens: `cck_`, `ccs_`, `cci_` and their random part). Identifiers of secrets (`apiKeyId`, `tokenHash`, `keyRef`)
 * are not secrets and stay readable, so operators can tell which key did what.
 */
import { writeOutput } from './process-output.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  /** Whether lines of this level are written: hot paths skip building the fields of a line nobody will see. */
  enabled(level: LogLevel): boolean;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
export const REDACTED = '[redacted]';

/** Field names that hold a secret: the name, lower-cased without separators, ends with one of these words. */
const SECRET_NAME_ENDINGS = [
  'password',
  'passphrase',
  'secret',
  'secretkey',
  'token',
  'authorization',
  'cookie',
  'apikey',
  'privatekey',
  'mnemonic',
  'seed',
] as const;

/** The secrets CareChain issues (see shared/auth/secrets.ts): a prefix and 20 or more base64url characters. */
const ISSUED_SECRET = /\b(cc[ski])_[A-Za-z0-9_-]{20,}/g;

export function isSecretFieldName(name: string): boolean {
  const normalised = name.toLowerCase().replace(/[-_\s]/g, '');
  return SECRET_NAME_ENDINGS.some((ending) => normalised.endsWith(ending));
}

function redactString(value: string): string {
  return value.includes('cc') ? value.replace(ISSUED_SECRET, `$1_${REDACTED}`) : value;
}

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: redactString(value.message) };
  if (Array.isArray(value)) return value.map((entry) => redact(entry, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    out[key] = isSecretFieldName(key) && entry !== undefined && entry !== null ? REDACTED : redact(entry, depth + 1);
  }
  return out;
}

export function createLogger(
  options: { level?: LogLevel | 'silent'; write?: (line: string) => void; base?: LogFields } = {},
): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  // Logging never ends the process, not even when nobody reads stdout any more.
  const write = options.write ?? ((line: string) => writeOutput(process.stdout, `${line}\n`));
  const base = options.base ?? {};
  const log = (level: LogLevel, message: string, fields?: LogFields) => {
    if (ORDER[level] < threshold) return;
    const entry = redact({ level, time: new Date().toISOString(), message, ...base, ...fields });
    write(JSON.stringify(entry));
  };
  return {
    enabled: (level) => ORDER[level] >= threshold,
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}
