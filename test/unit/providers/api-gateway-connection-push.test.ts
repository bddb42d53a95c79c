/**
 * ApiGatewayConnectionPush against API Gateway's management API as the SDK sees it (aws-sdk-client-mock): a
 * message goes to PostToConnection with the connection id and the text as bytes, a closed connection answers
 * GoneException (410) and is reported gone, other refusals are platform errors, and closing a gone connection is
 * not one.
 */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  ForbiddenException,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiGatewayConnectionPush } from '../../../shared/adapters/aws/api-gateway-connection-push.ts';
import { PlatformError } from '../../../shared/errors.ts';

const client = new ApiGatewayManagementApiClient({
  region: 'eu-north-1',
  endpoint: 'https://a1b2c3d4e5.execute-api.eu-north-1.amazonaws.com/live',
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'offline' },
});
const api = mockClient(client);
const push = new ApiGatewayConnectionPush(client);
const CONNECTION = 'L0SM9cOFvHcCIhw=';
const metadata = (status: number) => ({ httpStatusCode: status, requestId: '5f1b2c3d-0000-4000-8000-000000000001' });

const gone = () =>
  new GoneException({ $metadata: metadata(410), message: `Connection ${CONNECTION} is gone` } as never);

beforeEach(() => api.reset());

describe('ApiGatewayConnectionPush', () => {
  it('posts the text to the connection', async () => {
    api.on(PostToConnectionCommand).resolves({ $metadata: metadata(200) });
    const text = '{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x1","result":{}}}';
    await expect(push.post(CONNECTION, text)).resolves.toBe('sent');
    const [call] = api.commandCalls(PostToConnectionCommand);
    expect(call?.args[0].input.ConnectionId).toBe(CONNECTION);
    expect(Buffer.from(call?.args[0].input.Data as Uint8Array).toString('utf8')).toBe(text);
  });

  it('reports a connection API Gateway answers 410 Gone for as gone', async () => {
    api.on(PostToConnectionCommand).rejects(gone());
    await expect(push.post(CONNECTION, '{}')).resolves.toBe('gone');
  });

  it('turns any other refusal into a platform error with its cause', async () => {
    const forbidden = new ForbiddenException({ $metadata: metadata(403), message: 'Forbidden' } as never);
    api.on(PostToConnectionCommand).rejects(forbidden);
    const error = await push.post(CONNECTION, '{}').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).cause).toBe(forbidden);
  });

  it('closes a connection with DeleteConnection, and a gone one quietly', async () => {
    api
      .on(DeleteConnectionCommand)
      .resolvesOnce({ $metadata: metadata(204) })
      .rejectsOnce(gone());
    await push.close(CONNECTION);
    await push.close(CONNECTION);
    expect(api.commandCalls(DeleteConnectionCommand).map((call) => call.args[0].input.ConnectionId)).toEqual([
      CONNECTION,
      CONNECTION,
    ]);
  });
});
