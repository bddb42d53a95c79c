/**
 * `ConnectionPush` on API Gateway's management API for WebSocket APIs: `PostToConnection` to
 * `https://{domainName}/{stage}/@connections/{connectionId}` (the client is made for that endpoint by the entry),
 * `GoneException` (410) meaning the connection is closed; `DeleteConnection` to close it.
 */
import {
  type ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { PlatformError } from '../../errors.ts';
import type { ConnectionPush, PushResult } from '../../ports/connection-push.ts';

export class ApiGatewayConnectionPush implements ConnectionPush {
  constructor(private readonly client: ApiGatewayManagementApiClient) {}

  async post(connectionId: string, text: string): Promise<PushResult> {
    try {
      await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(text) }));
      return 'sent';
    } catch (error) {
      if (error instanceof GoneException) return 'gone';
      throw new PlatformError('API Gateway refused a message to a WebSocket connection', { cause: error });
    }
  }

  async close(connectionId: string): Promise<void> {
    try {
      await this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (error) {
      if (error instanceof GoneException) return;
      throw new PlatformError('API Gateway could not close a WebSocket connection', { cause: error });
    }
  }
}
