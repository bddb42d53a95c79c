/**
 * Configuration from the environment, validated once at start-up. A bad value stops start-up with a message that
 * names the variable; nothing else in the code reads `process.env`.
 *
 * The AWS settings (set by the control-plane stack on each function) are optional here, because each function
 * gets only those of its capabilities; a handler that cannot work without one asks for it with
 * `requireAwsSettings`, which names the missing variable.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { NODE_SIZES, type NodeSize } from '../domain/node.ts';
import { type ErrorCause, PlatformError } from '../errors.ts';
import { DEFAULT_TABLE_NAME } from '../store/table-schema.ts';

// zod's smaller build, whose schemas and checks are separate functions a bundle keeps only when it uses them (the
// full build is 73 KiB more in every function but the API). It says what is wrong in English only when told to.
z.config(en());

const optionalString = z.optional(
  z.pipe(
    z.string().check(z.trim()),
    z.transform((value: string) => (value === '' ? undefined : value)),
  ),
);

/** A whole number from text, between `min` and `max`. */
const wholeNumber = (min: number, max: number) =>
  z.pipe(z.coerce.number<string | undefined>(), z.int().check(z.gte(min), z.lte(max)));

const port = (fallback: number) => z._default(wholeNumber(0, 65_535), fallback);

/** An optional variable that, when set (not empty), must pass `schema`. */
const optionalAs = <T extends z.core.$ZodType<unknown, string | undefined>>(schema: T) =>
  z.pipe(optionalString, z.optional(schema));

/** An optional variable that, when set, must match `pattern`. */
const optionalMatching = (pattern: RegExp, message: string) => optionalAs(z.string().check(z.regex(pattern, message)));

const LaunchTemplateRef = z.strictObject({
  id: z.string().check(z.regex(/^lt-[0-9a-f]{8,17}$/, 'must be a launch template id (lt-…)')),
  version: z
    .string()
    .check(z.regex(/^(\$Default|\$Latest|[1-9]\d*)$/, 'must be $Default, $Latest or a version number')),
});
export type LaunchTemplateRef = z.infer<typeof LaunchTemplateRef>;

/** `{"small":{"id":"lt-…","version":"$Default"}, …}`: one template per node size the fleet offers. */
const LaunchTemplates = z
  .strictObject(
    Object.fromEntries(NODE_SIZES.map((size) => [size, z.optional(LaunchTemplateRef)])) as Record<
      NodeSize,
      z.ZodMiniOptional<typeof LaunchTemplateRef>
    >,
  )
  .check(
    z.refine((templates) => Object.values(templates).some(Boolean), 'must name a template for at least one node size'),
  );

const jsonText = z.pipe(
  z.string(),
  z.transform((text: string, payload) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      payload.issues.push({ code: 'custom', message: 'must be JSON', input: text });
      return z.NEVER;
    }
  }),
);

const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;

const KMS_KEY_REFERENCE =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]+|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+)$/;

const ConfigSchema = z.object({
  PORT: port(8080),
  HOST: z._default(z.string().check(z.minLength(1)), '127.0.0.1'),
  CARECHAIN_MODE: z._default(z.enum(['local', 'aws']), 'local'),
  CARECHAIN_DATA_DIR: z._default(z.string().check(z.minLength(1)), './.carechain'),
  CARECHAIN_PUBLIC_URL: z.optional(z.url()),
  CARECHAIN_LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error', 'silent']), 'info'),
  CARECHAIN_HEALTH_INTERVAL_MS: z._default(wholeNumber(200, 3_600_000), 15_000),
  CARECHAIN_EVENTS_INTERVAL_MS: z._default(wholeNumber(50, 60_000), 1_000),
  CARECHAIN_BESU_GENESIS_VALIDATORS: z._default(wholeNumber(1, 16), 4),
  CARECHAIN_BESU_STOP_TIMEOUT_MS: z._default(wholeNumber(100, 600_000), 30_000),
  CARECHAIN_FLEET_INTERVAL_MS: z._default(wholeNumber(200, 3_600_000), 15_000),
  CARECHAIN_STALL_RESTART_DELAY_MS: z._default(wholeNumber(0, 86_400_000), 60_000),
  CARECHAIN_GENESIS_VALIDATOR_SIZE: z._default(z.enum(NODE_SIZES), 'medium'),
  CARECHAIN_OPERATOR_EMAIL: z._default(z.email(), 'operator@carechain.local'),
  CARECHAIN_OPERATOR_PASSWORD: optionalAs(z.string().check(z.minLength(12))),
  CARECHAIN_SESSION_TTL_HOURS: z._default(wholeNumber(1, 720), 12),
  CARECHAIN_BODY_LIMIT_BYTES: z._default(wholeNumber(1024, 10_485_760), 65_536),
  CARECHAIN_TABLE_NAME: z._default(z.string().check(z.minLength(3), z.maxLength(255)), DEFAULT_TABLE_NAME),
  CARECHAIN_RECENT_READS_MS: z._default(wholeNumber(0, 60_000), 5_000),
  CARECHAIN_VERSION: optionalString,
  AWS_REGION: z._default(z.string().check(z.minLength(1)), 'eu-north-1'),
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  STRIPE_API_HOST: optionalString,
  // Unset or empty: Stripe's own port (443). An empty value used to be read as port 0.
  STRIPE_API_PORT: optionalAs(wholeNumber(0, 65_535)),
  STRIPE_API_PROTOCOL: z.optional(z.enum(['http', 'https'])),
  // AWS mode, from the control-plane stack.
  CARECHAIN_STAGE: optionalMatching(/^[A-Za-z0-9-]{1,32}$/, 'must be letters, digits and dashes (at most 32)'),
  STRIPE_SECRET_ARN: optionalMatching(
    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/,
    'must be a Secrets Manager secret ARN',
  ),
  CARECHAIN_PROVISIONING_QUEUE_URL: optionalAs(z.url({ protocol: /^https?$/ })),
  CARECHAIN_PLATFORM_KEY_ID: optionalMatching(KMS_KEY_REFERENCE, 'must be a KMS key id, key ARN or alias'),
  CARECHAIN_EVIDENCE_KEY_ID: optionalMatching(KMS_KEY_REFERENCE, 'must be a KMS key id, key ARN or alias'),
  CARECHAIN_TENANT_ROLE_ARN: optionalMatching(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/,
    'must be an IAM role ARN',
  ),
  CARECHAIN_LAUNCH_TEMPLATES: optionalAs(z.pipe(jsonText, LaunchTemplates)),
  CARECHAIN_NODE_SUBNET_IDS: optionalAs(
    z.pipe(
      z.pipe(
        z.string(),
        z.transform((list: string) => list.split(',').map((id) => id.trim())),
      ),
      z
        .array(z.string().check(z.regex(SUBNET_ID, 'must be comma-separated subnet ids (subnet-…)')))
        .check(z.minLength(1)),
    ),
  ),
  CARECHAIN_NODE_CONFIG_BUCKET: optionalMatching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  CARECHAIN_NODE_BACKUP_BUCKET: optionalMatching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  CARECHAIN_NODE_KEY_SECRET_PREFIX: optionalMatching(
    /^[A-Za-z0-9/_+=.@-]{1,200}\/$/,
    'must be a Secrets Manager name prefix ending in /',
  ),
  CARECHAIN_NODE_KEY_KMS_KEY: optionalMatching(
    /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
    'must be a KMS key ARN',
  ),
  CARECHAIN_WEBHOOK_KEY_ID: optionalMatching(KMS_KEY_REFERENCE, 'must be a KMS key id, key ARN or alias'),
  CARECHAIN_SOCKET_ENDPOINT: optionalAs(z.url({ protocol: /^https$/ })),
  CARECHAIN_GATEWAY_SOCKET_URL: optionalAs(z.url({ protocol: /^wss$/ })),
});

/** What the control-plane stack tells each function about its AWS resources (only those of its capabilities). */
export interface AwsSettings {
  /** Deployment stage; instances of other stages are out of the control plane's reach. */
  readonly stage: string | undefined;
  /** Secrets Manager secret holding `{ STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET }`. */
  readonly stripeSecretArn: string | undefined;
  /** Where node work goes for the reconciler. */
  readonly provisioningQueueUrl: string | undefined;
  /** The platform's KMS signing key (SLA reports). */
  readonly platformKeyId: string | undefined;
  /** The role assumed, tagged with an organisation, to act for that organisation only. */
  readonly tenantRoleArn: string | undefined;
  /** The KMS HMAC key that fingerprints personal data in evidence (never the value itself). */
  readonly evidenceKeyId: string | undefined;
  /** The fleet's launch template per node size. */
  readonly launchTemplates: Readonly<Partial<Record<NodeSize, LaunchTemplateRef>>> | undefined;
  /** Subnets managed nodes launch into. */
  readonly nodeSubnetIds: readonly string[] | undefined;
  /** Bucket each node reads its configuration from at boot (`nodes/<nodeId>/`). */
  readonly nodeConfigBucket: string | undefined;
  /** The platform's bucket of nodes' backup archives (`archives/<instance ARN>/<backupId>.tar.gz`). */
  readonly nodeBackupBucket: string | undefined;
  /** Where node keys are kept in Secrets Manager: `<prefix><nodeId>` (see node-key-secrets.ts). */
  readonly nodeKeySecretPrefix: string | undefined;
  /** The KMS key node-key secrets are encrypted with. */
  readonly nodeKeyKmsKey: string | undefined;
  /** The symmetric KMS key webhook signing secrets are sealed with (KmsSecretBox). */
  readonly webhookKeyId: string | undefined;
  /** The WebSocket API's management endpoint, `https://{api}.execute-api.{region}.amazonaws.com/{stage}`. */
  readonly socketEndpoint: string | undefined;
  /** The WebSocket API's client URL, `wss://{api}.execute-api.{region}.amazonaws.com/{stage}` (live tickets). */
  readonly gatewaySocketUrl: string | undefined;
}

/** The variable behind each AWS setting, for messages that tell an operator what to set. */
export const AWS_SETTING_VARIABLES: Readonly<Record<keyof AwsSettings, string>> = {
  stage: 'CARECHAIN_STAGE',
  stripeSecretArn: 'STRIPE_SECRET_ARN',
  provisioningQueueUrl: 'CARECHAIN_PROVISIONING_QUEUE_URL',
  platformKeyId: 'CARECHAIN_PLATFORM_KEY_ID',
  tenantRoleArn: 'CARECHAIN_TENANT_ROLE_ARN',
  evidenceKeyId: 'CARECHAIN_EVIDENCE_KEY_ID',
  launchTemplates: 'CARECHAIN_LAUNCH_TEMPLATES',
  nodeSubnetIds: 'CARECHAIN_NODE_SUBNET_IDS',
  nodeConfigBucket: 'CARECHAIN_NODE_CONFIG_BUCKET',
  nodeBackupBucket: 'CARECHAIN_NODE_BACKUP_BUCKET',
  nodeKeySecretPrefix: 'CARECHAIN_NODE_KEY_SECRET_PREFIX',
  nodeKeyKmsKey: 'CARECHAIN_NODE_KEY_KMS_KEY',
  webhookKeyId: 'CARECHAIN_WEBHOOK_KEY_ID',
  socketEndpoint: 'CARECHAIN_SOCKET_ENDPOINT',
  gatewaySocketUrl: 'CARECHAIN_GATEWAY_SOCKET_URL',
};

export type Config = {
  readonly port: number;
  /** Interface the local server binds to. @default 127.0.0.1 (this machine only) */
  readonly host: string;
  readonly mode: 'local' | 'aws';
  readonly dataDir: string;
  readonly publicUrl: string | undefined;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** How often the local health monitor probes every node. @default 15000 */
  readonly healthIntervalMs: number;
  /** How often the local events worker records events, follows chain logs and delivers webhooks. @default 1000 */
  readonly eventsIntervalMs: number;
  /**
   * How many genesis validators the platform runs for a network it creates on the local Besu runtime. Four is the
   * least that tolerates a faulty validator, and the validator safety check lets organisations' nodes be voted in
   * only from there (one or two validators cannot grow safely). @default 4
   */
  readonly besuGenesisValidators: number;
  /** How long a local Besu node may take to stop before it is killed (also a hung one's restart). @default 30000 */
  readonly besuStopTimeoutMs: number;
  /** How often fleet operations look at networks, run upgrade steps and take due backups. @default 15000 */
  readonly fleetIntervalMs: number;
  /** Time between a stall being seen and the automatic restart of its validators, to cancel it. @default 60000 */
  readonly stallRestartDelayMs: number;
  /** Node size of the genesis validators the platform runs on EC2. @default medium */
  readonly genesisValidatorSize: NodeSize;
  readonly operatorEmail: string;
  readonly operatorPassword: string | undefined;
  readonly sessionTtlHours: number;
  readonly bodyLimitBytes: number;
  readonly tableName: string;
  /**
   * How long this process answers a request's hot-path reads (session, user, membership, organisation, API key,
   * signing key, personal-data policy) from what it read recently: a change made by another process — a logout, a
   * revocation, a role change — takes effect here within it; this process's own changes at once. 0 reads every time.
   * @default 5000
   */
  readonly recentReadsMs: number;
  readonly awsRegion: string;
  /** Release of the deployed code (the stack sets the package version). */
  readonly version: string | undefined;
  readonly stripe: {
    readonly secretKey: string | undefined;
    readonly webhookSecret: string | undefined;
    readonly host: string | undefined;
    readonly port: number | undefined;
    readonly protocol: 'http' | 'https' | undefined;
  };
  readonly aws: AwsSettings;
};

/** The environment does not describe a working installation: refused at start-up, naming each variable. */
export class ConfigError extends PlatformError {
  constructor(
    readonly problems: readonly { variable: string; message: string }[],
    options?: ErrorCause,
  ) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`, options);
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const [variable, ...inside] = issue.path;
        return {
          variable: String(variable ?? '(environment)'),
          message: inside.length > 0 ? `${inside.join('.')}: ${issue.message}` : issue.message,
        };
      }),
    );
  }
  const e = parsed.data;
  // A function in AWS that silently used the local default would read and write a table nobody deployed.
  if (e.CARECHAIN_MODE === 'aws' && !env.CARECHAIN_TABLE_NAME?.trim()) {
    throw new ConfigError([{ variable: 'CARECHAIN_TABLE_NAME', message: 'is required in aws mode' }]);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    mode: e.CARECHAIN_MODE,
    dataDir: e.CARECHAIN_DATA_DIR,
    publicUrl: e.CARECHAIN_PUBLIC_URL,
    logLevel: e.CARECHAIN_LOG_LEVEL,
    healthIntervalMs: e.CARECHAIN_HEALTH_INTERVAL_MS,
    eventsIntervalMs: e.CARECHAIN_EVENTS_INTERVAL_MS,
    besuGenesisValidators: e.CARECHAIN_BESU_GENESIS_VALIDATORS,
    besuStopTimeoutMs: e.CARECHAIN_BESU_STOP_TIMEOUT_MS,
    fleetIntervalMs: e.CARECHAIN_FLEET_INTERVAL_MS,
    stallRestartDelayMs: e.CARECHAIN_STALL_RESTART_DELAY_MS,
    genesisValidatorSize: e.CARECHAIN_GENESIS_VALIDATOR_SIZE,
    operatorEmail: e.CARECHAIN_OPERATOR_EMAIL.toLowerCase(),
    operatorPassword: e.CARECHAIN_OPERATOR_PASSWORD,
    sessionTtlHours: e.CARECHAIN_SESSION_TTL_HOURS,
    bodyLimitBytes: e.CARECHAIN_BODY_LIMIT_BYTES,
    tableName: e.CARECHAIN_TABLE_NAME,
    recentReadsMs: e.CARECHAIN_RECENT_READS_MS,
    awsRegion: e.AWS_REGION,
    version: e.CARECHAIN_VERSION,
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      host: e.STRIPE_API_HOST,
      port: e.STRIPE_API_PORT,
      protocol: e.STRIPE_API_PROTOCOL,
    },
    aws: {
      stage: e.CARECHAIN_STAGE,
      stripeSecretArn: e.STRIPE_SECRET_ARN,
      provisioningQueueUrl: e.CARECHAIN_PROVISIONING_QUEUE_URL,
      platformKeyId: e.CARECHAIN_PLATFORM_KEY_ID,
      tenantRoleArn: e.CARECHAIN_TENANT_ROLE_ARN,
      evidenceKeyId: e.CARECHAIN_EVIDENCE_KEY_ID,
      launchTemplates: e.CARECHAIN_LAUNCH_TEMPLATES,
      nodeSubnetIds: e.CARECHAIN_NODE_SUBNET_IDS,
      nodeConfigBucket: e.CARECHAIN_NODE_CONFIG_BUCKET,
      nodeBackupBucket: e.CARECHAIN_NODE_BACKUP_BUCKET,
      nodeKeySecretPrefix: e.CARECHAIN_NODE_KEY_SECRET_PREFIX,
      nodeKeyKmsKey: e.CARECHAIN_NODE_KEY_KMS_KEY,
      webhookKeyId: e.CARECHAIN_WEBHOOK_KEY_ID,
      socketEndpoint: e.CARECHAIN_SOCKET_ENDPOINT,
      gatewaySocketUrl: e.CARECHAIN_GATEWAY_SOCKET_URL,
    },
  };
}

/**
 * The AWS settings a function cannot work without, or a ConfigError naming every missing variable and who
 * needs it (`neededBy`, e.g. "the reconciler").
 */
export function requireAwsSettings<K extends keyof AwsSettings>(
  config: Pick<Config, 'aws'>,
  keys: readonly K[],
  neededBy: string,
): AwsSettings & { readonly [P in K]-?: NonNullable<AwsSettings[P]> } {
  const missing = keys.filter((key) => config.aws[key] === undefined);
  if (missing.length > 0) {
    throw new ConfigError(
      missing.map((key) => ({ variable: AWS_SETTING_VARIABLES[key], message: `is required by ${neededBy}` })),
    );
  }
  return config.aws as AwsSettings & { readonly [P in K]-?: NonNullable<AwsSettings[P]> };
}
