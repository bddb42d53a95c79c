/**
 * Lambda entry for the gateway's WebSocket API (API Gateway WebSocket, Lambda proxy integration): `$connect`,
 * `$disconnect` and `$default` turned into SocketApi calls and their answers back into what API Gateway expects.
 * A refused `$connect` is the handshake's HTTP status with a problem body; an accepted one names the subprotocol
 * when the client offered it (browsers drop a connection whose answer omits it). `$default` is a two-way route:
 * the answer is the function's response body. Usage counted during an invocation is flushed before it returns.
 */
import { problemBody } from '../../shared/http/problem.ts';
import { SocketApi } from '../gateway/socket-api.ts';
import { type AwsWiringOptions, awsCore, coldStart } from './aws-core.ts';
import { awsSocketParts } from './aws-sockets.ts';

/** The parts of API Gateway's WebSocket event the gateway reads. */
export interface WebSocketEvent {
  readonly requestContext: {
    readonly routeKey: string;
    readonly connectionId: string;
    readonly domainName: string;
    readonly stage: string;
  };
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

export interface WebSocketResult {
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export function createGatewaySocketsHandler(options: AwsWiringOptions = {}) {
  let endpoint: string | undefined;
  const ready = coldStart(async () => {
    const core = awsCore('gateway-sockets', options);
    const parts = awsSocketParts(core, endpoint ?? '');
    return { meter: parts.meter, api: new SocketApi({ ...parts, clock: core.clock }) };
  });
  return async (event: WebSocketEvent): Promise<WebSocketResult> => {
    const { routeKey, connectionId, domainName, stage } = event.requestContext;
    endpoint ??= `https://${domainName}/${stage}`;
    const { meter, api } = await ready();
    try {
      if (routeKey === '$connect') {
        const answer = await api.connect({
          connectionId,
          query: event.queryStringParameters ?? {},
          headers: lowerCased(event.headers ?? {}),
        });
        if (!answer.accepted) {
          const { error } = answer;
          return {
            statusCode: error.status,
            headers: { 'content-type': 'application/problem+json', ...error.headers },
            body: JSON.stringify(problemBody(error, undefined)),
          };
        }
        return answer.protocol
          ? { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': answer.protocol } }
          : { statusCode: 200 };
      }
      if (routeKey === '$disconnect') {
        await api.disconnect(connectionId);
        return { statusCode: 200 };
      }
      if (event.isBase64Encoded) {
        const body = '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Send JSON-RPC as text messages"}}';
        return { statusCode: 200, body };
      }
      const answer = await api.message(connectionId, event.body ?? '');
      return answer === undefined ? { statusCode: 200 } : { statusCode: 200, body: answer };
    } finally {
      await meter.flush();
    }
  };
}

function lowerCased(headers: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

export const handler = createGatewaySocketsHandler();
