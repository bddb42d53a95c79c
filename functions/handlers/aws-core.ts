/**
 * What every Lambda of the control plane starts from: configuration from its environment, the clock, a logger
 * naming the function, and the table. Kept apart from the API's wiring (billing, KMS, queue) so functions that
 * need only the table do not carry those SDKs in their bundles; each builds just the repositories it uses.
 *
 * Tests pass their own environment and clients (DynamoDB pointed at an embedded one, other SDK clients mocked).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type Config, loadConfig } from '../../shared/config/config.ts';
import { createLogger, type Logger } from '../../shared/observability/logger.ts';
import { Table } from '../../shared/store/table.ts';

/** SDK clients a function uses; each one missing is created for the function's region. */
export interface AwsClients {
  readonly dynamodb?: DynamoDBClient;
  readonly kms?: KMSClient;
  readonly secretsManager?: SecretsManagerClient;
  readonly sqs?: SQSClient;
  readonly ec2?: EC2Client;
  readonly s3?: S3Client;
}

export interface AwsWiringOptions {
  /** @default process.env */
  readonly env?: Record<string, string | undefined>;
  readonly clients?: AwsClients;
  readonly clock?: () => Date;
}

export interface AwsCore {
  readonly config: Config;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly table: Table;
  readonly clients: AwsClients;
}

export function awsCore(functionName: string, options: AwsWiringOptions = {}): AwsCore {
  const config = loadConfig(options.env ?? process.env);
  const clock = options.clock ?? (() => new Date());
  const clients = options.clients ?? {};
  return {
    config,
    clock,
    logger: createLogger({ level: config.logLevel, base: { mode: 'aws', function: functionName } }),
    table: new Table(clients.dynamodb ?? new DynamoDBClient({ region: config.awsRegion }), config.tableName, clock),
    clients,
  };
}

/**
 * Builds what a handler needs on its first invocation and reuses it for the container's life. Nothing runs at
 * import, so loading a bundle touches no AWS service; a failed build (a secret not readable yet) is tried again
 * by the next invocation instead of being remembered.
 */
export function coldStart<T>(build: () => Promise<T>): () => Promise<T> {
  let building: Promise<T> | undefined;
  return () => {
    building ??= build().catch((error: unknown) => {
      building = undefined;
      throw error;
    });
    return building;
  };
}
