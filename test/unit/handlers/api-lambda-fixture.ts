/**
 * The API Lambda as the stack builds it, for handler tests: on the embedded table, sending to the provisioning queue
 * through an SQS client that accepts every message (aws-sdk-client-mock), and opening tenant sessions through STS
 * answered offline (handler-fixtures.ts). Apart from handler-fixtures.ts, which tests of other functions import
 * without loading the API.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createApiHandler } from '../../../functions/handlers/api.ts';
import type { EmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import {
  apiCaller,
  lambdaEnv,
  OFFLINE_CREDENTIALS,
  QUEUE_URL,
  REGION,
  TENANT_ROLE_ARN,
  tenantSessionClients,
} from './handler-fixtures.ts';

/** An SQS client whose sends succeed, and its mock, to read what was sent. */
export function acceptingQueue() {
  const client = new SQSClient({ region: REGION, credentials: OFFLINE_CREDENTIALS });
  const mock = mockClient(client);
  mock.on(SendMessageCommand).resolves({ MessageId: '5fea7756-0ea4-451a-a703-a558b933e274' });
  return { client, mock };
}

/** The handler, a caller of it, and the tenant sessions' clients; `env` adds to what the stack gives the function. */
export function apiLambda(dynamo: EmbeddedDynamo, sqs: SQSClient, env: Record<string, string> = {}) {
  const tenant = tenantSessionClients(dynamo);
  const handler = createApiHandler({
    env: lambdaEnv({ CARECHAIN_PROVISIONING_QUEUE_URL: QUEUE_URL, CARECHAIN_TENANT_ROLE_ARN: TENANT_ROLE_ARN, ...env }),
    clients: { dynamodb: dynamo.client, sqs, ...tenant.clients },
  });
  return { handler, call: apiCaller(handler), tenant };
}
