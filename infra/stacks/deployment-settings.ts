/**
 * Deployment settings read from CDK context (`cdk.json` or `-c key=value`), validated once with a message that
 * names the key. Nothing here is looked up in an AWS account: synth works offline and without credentials.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as z from 'zod';
import { DeploymentError } from '../../shared/errors.ts';
import type { BesuRelease } from '../constructs/besu-bootstrap.ts';

/** Besu release the node bootstrap installs unless `besuVersion` says otherwise. */
export const DEFAULT_BESU_VERSION = '25.4.0';

/** Stockholm: members' health data stays in Sweden. */
export const DEFAULT_REGION = 'eu-north-1';

/** `-c key=a,b` arrives as a string; cdk.json can hold a real array. */
const list = z
  .union([z.array(z.string()), z.string()])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(',')).map((item) => item.trim()).filter((item) => item !== ''),
  );

const ipv4Cidr = z
  .string()
  .regex(/^(\d{1,3})(\.\d{1,3}){3}\/(\d|[12]\d|3[0-2])$/, 'must be an IPv4 CIDR such as 198.51.100.0/24')
  .refine((cidr) => !cidr.endsWith('/0'), 'must not open P2P to the whole internet');

const positiveInt = z.coerce.number().int().positive();

const ContextSchema = z
  .object({
    stage: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,15}$/, 'lower-case letters, digits and dashes, 2–16 characters')
      .default('dev'),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-north-1')
      .optional(),
    availabilityZones: list.optional(),
    memberPeerCidrs: list.pipe(z.array(ipv4Cidr)).default([]),
    alarmEmail: z.email().optional(),
    consoleDomainName: z.string().min(3).optional(),
    consoleCertificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/.+$/, 'must be an ACM certificate in us-east-1')
      .optional(),
    besuVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/)
      .default(DEFAULT_BESU_VERSION),
    besuSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256')
      .optional(),
    apiRateLimit: positiveInt.default(1000),
    apiBurstLimit: positiveInt.default(2000),
  })
  .refine((c) => (c.consoleDomainName === undefined) === (c.consoleCertificateArn === undefined), {
    message: 'consoleDomainName and consoleCertificateArn go together',
    path: ['consoleDomainName'],
  });

export type DeploymentSettings = {
  readonly stage: string;
  readonly production: boolean;
  readonly region: string;
  readonly availabilityZones: readonly string[];
  readonly natGateways: number;
  readonly memberPeerCidrs: readonly string[];
  readonly alarmEmail: string | undefined;
  readonly consoleDomain: { readonly name: string; readonly certificateArn: string } | undefined;
  readonly besu: BesuRelease;
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: logs.RetentionDays;
  /**
   * For stateful resources (table, log groups, the node-key KMS key); buckets and the platform signing key are
   * always retained.
   */
  readonly removalPolicy: RemovalPolicy;
  /** Name prefix for resources that need a readable name, e.g. `carechain-dev`. */
  readonly namePrefix: string;
};

const CONTEXT_KEYS = [
  'stage',
  'region',
  'availabilityZones',
  'memberPeerCidrs',
  'alarmEmail',
  'consoleDomainName',
  'consoleCertificateArn',
  'besuVersion',
  'besuSha256',
  'apiRateLimit',
  'apiBurstLimit',
] as const;

/** Reads the settings through `tryGetContext` (any construct's node will do, usually the app). */
export function readDeploymentSettings(context: { tryGetContext(key: string): unknown }): DeploymentSettings {
  const raw = Object.fromEntries(CONTEXT_KEYS.map((key) => [key, context.tryGetContext(key)]));
  const parsed = ContextSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || 'context'}: ${issue.message}`);
    throw new DeploymentError(`Invalid CDK context:\n${problems.join('\n')}`);
  }
  const c = parsed.data;
  const production = c.stage === 'prod';
  const region = c.region ?? DEFAULT_REGION;
  // Zone names are spelled out rather than looked up; three in production so a zone outage leaves two.
  const availabilityZones = c.availabilityZones ?? (production ? ['a', 'b', 'c'] : ['a', 'b']).map((z) => region + z);
  if (availabilityZones.length < 2)
    throw new DeploymentError('Invalid CDK context:\n  availabilityZones: at least two');
  if (production && c.besuSha256 === undefined) {
    throw new DeploymentError(
      `Invalid CDK context:\n  besuSha256: production nodes only run a verified Besu; give the SHA-256 of ` +
        `besu-${c.besuVersion}.tar.gz from its release notes (-c besuSha256=…)`,
    );
  }
  return {
    stage: c.stage,
    production,
    region,
    availabilityZones,
    natGateways: production ? availabilityZones.length : 1,
    memberPeerCidrs: c.memberPeerCidrs,
    alarmEmail: c.alarmEmail,
    consoleDomain:
      c.consoleDomainName && c.consoleCertificateArn
        ? { name: c.consoleDomainName, certificateArn: c.consoleCertificateArn }
        : undefined,
    besu: { version: c.besuVersion, sha256: c.besuSha256 },
    apiThrottle: { rateLimit: c.apiRateLimit, burstLimit: c.apiBurstLimit },
    logRetention: production ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
    removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    namePrefix: `carechain-${c.stage}`,
  };
}
