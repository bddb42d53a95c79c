/**
 * Structured JSON logs, one object a line. Fields whose names suggest secrets are redacted before anything is
 * written, as a second line of defence: callers should not pass secrets in the first place.
 */
import { writeOutput } from './process-output.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const SECRET_FIELD = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|private|mnemonic|seed/i;
export const REDACTED = '[redacted]';

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map((entry) => redact(entry, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    out[key] = SECRET_FIELD.test(key) ? REDACTED : redact(entry, depth + 1);
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
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}
