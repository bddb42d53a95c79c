/**
 * Configuration from the environment, validated once at start-up. A bad value stops start-up with a message that
 * names the variable; nothing else in the code reads `process.env`.
 */
import { z } from 'zod';
import { DEFAULT_TABLE_NAME } from '../store/table-schema.ts';

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

const ConfigSchema = z.object({
  PORT: port(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  CARECHAIN_MODE: z.enum(['local', 'aws']).default('local'),
  CARECHAIN_DATA_DIR: z.string().min(1).default('./.carechain'),
  CARECHAIN_PUBLIC_URL: z.url().optional(),
  CARECHAIN_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  CARECHAIN_OPERATOR_EMAIL: z.email().default('operator@carechain.local'),
  CARECHAIN_OPERATOR_PASSWORD: optionalString.pipe(z.string().min(12).optional()),
  CARECHAIN_SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(720).default(12),
  CARECHAIN_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(65_536),
  CARECHAIN_TABLE_NAME: z.string().min(3).max(255).default(DEFAULT_TABLE_NAME),
  AWS_REGION: z.string().min(1).default('eu-north-1'),
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  STRIPE_API_HOST: optionalString,
  STRIPE_API_PORT: port(443).optional(),
  STRIPE_API_PROTOCOL: z.enum(['http', 'https']).optional(),
});

export type Config = {
  readonly port: number;
  /** Interface the local server binds to. @default 127.0.0.1 (this machine only) */
  readonly host: string;
  readonly mode: 'local' | 'aws';
  readonly dataDir: string;
  readonly publicUrl: string | undefined;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  readonly operatorEmail: string;
  readonly operatorPassword: string | undefined;
  readonly sessionTtlHours: number;
  readonly bodyLimitBytes: number;
  readonly tableName: string;
  readonly awsRegion: string;
  readonly stripe: {
    readonly secretKey: string | undefined;
    readonly webhookSecret: string | undefined;
    readonly host: string | undefined;
    readonly port: number | undefined;
    readonly protocol: 'http' | 'https' | undefined;
  };
};

export class ConfigError extends Error {
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(environment)'),
        message: issue.message,
      })),
    );
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    mode: e.CARECHAIN_MODE,
    dataDir: e.CARECHAIN_DATA_DIR,
    publicUrl: e.CARECHAIN_PUBLIC_URL,
    logLevel: e.CARECHAIN_LOG_LEVEL,
    operatorEmail: e.CARECHAIN_OPERATOR_EMAIL.toLowerCase(),
    operatorPassword: e.CARECHAIN_OPERATOR_PASSWORD,
    sessionTtlHours: e.CARECHAIN_SESSION_TTL_HOURS,
    bodyLimitBytes: e.CARECHAIN_BODY_LIMIT_BYTES,
    tableName: e.CARECHAIN_TABLE_NAME,
    awsRegion: e.AWS_REGION,
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      host: e.STRIPE_API_HOST,
      port: e.STRIPE_API_PORT,
      protocol: e.STRIPE_API_PROTOCOL,
    },
  };
}
