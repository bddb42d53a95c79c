/**
 * What the Lambda handler tests share: a real table in an embedded DynamoDB, the environment the control-plane
 * stack gives a function, and API Gateway HTTP API (payload v2) events as API Gateway sends them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AssumeRoleCommand, type AssumeRoleCommandInput, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { LambdaEvent } from 'hono/aws-lambda';
import type { AwsCredentialsProvider } from '../../../functions/handlers/aws-core.ts';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { ensureTable } from '../../../shared/store/create-table.ts';

export const TABLE_NAME = 'carechain-test';
export const REGION = 'eu-north-1';
export const STRIPE_SECRET_ARN = 'arn:aws:secretsmanager:eu-north-1:123456789012:secret:StripeSecret3A6F7C2E-k9XbQw';
export const QUEUE_URL = 'https://sqs.eu-north-1.amazonaws.com/123456789012/CareChain-test-ProvisioningQueue1A2B3C4D';

/** Credentials for SDK clients whose calls are mocked; nothing leaves the process. */
export const OFFLINE_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'offline' };

export const TENANT_ROLE_ARN =
  'arn:aws:iam::123456789012:role/CareChain-test-ControlPlane-TenantRole474D4A5B-1A2B3C4D5E6F';

/**
 * What a function with tenant sessions (API, governance) needs, offline: an STS client that answers AssumeRole as
 * STS does (credentials for the asked duration, the assumed role's ARN), and the tenant sessions' DynamoDB clients
 * on the embedded table with those credentials. dynalite checks no IAM: what the tenant role may reach is proven by
 * the policy simulation (test/infra) and the local table's rules (test/integration/signing).
 */
export function tenantSessionClients(dynamo: EmbeddedDynamo) {
  const sts = new STSClient({ region: REGION, credentials: OFFLINE_CREDENTIALS });
  const assumed = mockClient(sts);
  assumed.on(AssumeRoleCommand).callsFake((input: AssumeRoleCommandInput) => ({
    Credentials: {
      AccessKeyId: 'ASIAIOSFODNN7EXAMPLE',
      SecretAccessKey: 'offline-tenant',
      SessionToken: `session-of-${input.RoleSessionName}`,
      Expiration: new Date(Date.now() + (input.DurationSeconds ?? 3600) * 1000),
    },
    AssumedRoleUser: {
      AssumedRoleId: `AROAEXAMPLE:${input.RoleSessionName}`,
      Arn: `arn:aws:sts::123456789012:assumed-role/CareChain-test-TenantRole/${input.RoleSessionName}`,
    },
  }));
  const tenantDynamodb = (credentials: AwsCredentialsProvider) =>
    new DynamoDBClient({ region: REGION, endpoint: dynamo.endpoint, credentials });
  return { clients: { sts, tenantDynamodb }, assumed };
}

export async function startTable(): Promise<EmbeddedDynamo> {
  const dynamo = await startEmbeddedDynamo({ region: REGION });
  await ensureTable(dynamo.client, TABLE_NAME);
  return dynamo;
}

/** What every function gets from the stack, plus `extra`. */
export function lambdaEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_REGION: REGION,
    CARECHAIN_MODE: 'aws',
    CARECHAIN_STAGE: 'test',
    CARECHAIN_TABLE_NAME: TABLE_NAME,
    CARECHAIN_LOG_LEVEL: 'silent',
    CARECHAIN_VERSION: '0.1.0',
    ...extra,
  };
}

export function httpApiEvent(request: {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}): LambdaEvent {
  const headers = { host: 'api.carechain.example', 'user-agent': 'Stripe/1.0', ...request.headers };
  return {
    version: '2.0',
    routeKey: `${request.method} ${request.path}`,
    rawPath: request.path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      authentication: null,
      authorizer: {},
      domainName: 'api.carechain.example',
      domainPrefix: 'api',
      http: {
        method: request.method,
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: '54.187.174.169',
        userAgent: headers['user-agent'],
      },
      requestId: 'JLs3vgjZgi0EJrQ=',
      routeKey: `${request.method} ${request.path}`,
      stage: '$default',
      time: '24/Nov/2026:12:00:00 +0000',
      timeEpoch: 1_795_521_600_000,
    },
    body: request.body ?? null,
    isBase64Encoded: false,
  };
}

/** The Lambda context argument; the handlers read nothing from it. */
export const LAMBDA_CONTEXT = {
  functionName: 'CareChain-test-ControlPlane-Function',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
} as never;

/** The API Lambda's answer as a test reads it. */
export interface ApiAnswer {
  readonly status: number;
  readonly type: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whichever fields the route answers with.
  readonly json: any;
}

/** Calls an API Lambda handler with an HTTP API v2 event: JSON body when given, a bearer token when given. */
export function apiCaller(
  api: (
    event: LambdaEvent,
    context: typeof LAMBDA_CONTEXT,
  ) => Promise<{ statusCode: number; body: string; headers?: Record<string, unknown> }>,
) {
  return async (method: string, path: string, body?: object, token?: string): Promise<ApiAnswer> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const event = httpApiEvent({ method, path, headers, ...(body && { body: JSON.stringify(body) }) });
    const result = await api(event, LAMBDA_CONTEXT);
    return {
      status: result.statusCode,
      type: result.headers?.['content-type'] as string | undefined,
      json: JSON.parse(result.body || '{}'),
    };
  };
}

/** Signs up an administrator and creates their organisation through the API: the token and the organisation id. */
export async function signUpWithOrg(
  call: ReturnType<typeof apiCaller>,
  email: string,
  orgName: string,
): Promise<{ token: string; orgId: string }> {
  const signup = await call('POST', '/v1/auth/signup', { email, password: 'a-long-enough-password', name: 'IT Admin' });
  const token = signup.json.token as string;
  const org = await call('POST', '/v1/orgs', { name: orgName, type: 'hospital', country: 'SE' }, token);
  return { token, orgId: org.json.id as string };
}
