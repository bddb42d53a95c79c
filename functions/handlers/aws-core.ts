/**
 * What every Lambda of the control plane starts from: configuration from its environment, the clock, a logger
 * naming the function, the table, and the SDK clients it uses, each made once per container on first use.
 * Components are built from this in aws-wiring.ts; handlers build what they need there on their first invocation.
 *
 * Each client has its own accessor so a function's bundle carries only the SDK clients it calls (the SDK is most
 * of every bundle; esbuild leaves out what no entry reaches). Tests pass their own environment and clients
 * (DynamoDB pointed at an embedded one, other SDK clients mocked).
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { createFleetEc2Client } from '../../shared/adapters/aws/ec2-fleet.ts';
import { type Config, loadConfig } from '../../shared/config/config.ts';
import { lazyOnce } from '../../shared/lazy-once.ts';
import { createLogger, type Logger } from '../../shared/observability/logger.ts';
import { RecentItems } from '../../shared/store/recent-items.ts';
import { Table } from '../../shared/store/table.ts';

/** SDK clients a function uses; each one missing is created for the function's region when first needed. */
export interface AwsClients {
  readonly dynamodb?: DynamoDBClient;
  readonly kms?: KMSClient;
  readonly secretsManager?: SecretsManagerClient;
  readonly sqs?: SQSClient;
  readonly ec2?: EC2Client;
  readonly s3?: S3Client;
  readonly sts?: STSClient;
  /** The WebSocket API's management client (PostToConnection, DeleteConnection). */
  readonly socketManagement?: ApiGatewayManagementApiClient;
  /**
   * Makes the DynamoDB client of one organisation's tenant session. @default a client for the function's region;
   * tests point it at their embedded table.
   */
  readonly tenantDynamodb?: (credentials: AwsCredentialsProvider) => DynamoDBClient;
}

/** Credentials an SDK client asks for before each request (and again once they expire). */
export type AwsCredentialsProvider = () => Promise<{
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}>;

export interface AwsWiringOptions {
  /** @default process.env */
  readonly env?: Record<string, string | undefined>;
  readonly clients?: AwsClients;
  readonly clock?: () => Date;
}

export interface AwsCore {
  readonly functionName: string;
  readonly config: Config;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly table: Table;
  /** The clients given or made so far; read them through the accessors below. */
  readonly clients: { -readonly [K in keyof AwsClients]: AwsClients[K] };
}

export function awsCore(functionName: string, options: AwsWiringOptions = {}): AwsCore {
  const config = loadConfig(options.env ?? process.env);
  const clock = options.clock ?? (() => new Date());
  const clients = { ...options.clients };
  // The middleware stack is resolved once per command class, not on every call (nothing changes it after wiring).
  clients.dynamodb ??= new DynamoDBClient({ region: config.awsRegion, cacheMiddleware: true });
  return {
    functionName,
    config,
    clock,
    logger: createLogger({ level: config.logLevel, base: { mode: 'aws', function: functionName } }),
    table: new Table(clients.dynamodb, config.tableName, clock, {
      recent: new RecentItems({ staleMs: config.recentReadsMs }),
    }),
    clients,
  };
}

export function kmsClient(core: AwsCore): KMSClient {
  core.clients.kms ??= new KMSClient({ region: core.config.awsRegion });
  return core.clients.kms;
}

export function secretsManagerClient(core: AwsCore): SecretsManagerClient {
  core.clients.secretsManager ??= new SecretsManagerClient({ region: core.config.awsRegion });
  return core.clients.secretsManager;
}

/** Loaded with its package at the first send: the API sends only when a node changes or an operator restarts one. */
export async function sqsClient(core: AwsCore): Promise<SQSClient> {
  if (!core.clients.sqs) {
    const { SQSClient } = await import('@aws-sdk/client-sqs');
    core.clients.sqs ??= new SQSClient({ region: core.config.awsRegion });
  }
  return core.clients.sqs;
}

/** With the SDK's standard retry strategy: EC2 throttles fleet-wide calls. */
export function ec2Client(core: AwsCore): EC2Client {
  core.clients.ec2 ??= createFleetEc2Client({ region: core.config.awsRegion });
  return core.clients.ec2;
}

export function stsClient(core: AwsCore): STSClient {
  core.clients.sts ??= new STSClient({ region: core.config.awsRegion });
  return core.clients.sts;
}

/**
 * The management API of the gateway's WebSocket API, at `https://{domainName}/{stage}` (one API and stage per
 * stack, so one client per container).
 */
export function socketManagementClient(core: AwsCore, endpoint: string): ApiGatewayManagementApiClient {
  core.clients.socketManagement ??= new ApiGatewayManagementApiClient({ region: core.config.awsRegion, endpoint });
  return core.clients.socketManagement;
}

export function s3Client(core: AwsCore): S3Client {
  core.clients.s3 ??= new S3Client({ region: core.config.awsRegion });
  return core.clients.s3;
}

/**
 * Builds what a handler needs on its first invocation and reuses it for the container's life. Nothing runs at
 * import, so loading a bundle touches no AWS service; a failed build (a secret not readable yet) is tried again
 * by the next invocation instead of being remembered.
 */
export function coldStart<T>(build: () => Promise<T>): () => Promise<T> {
  return lazyOnce(build);
}
