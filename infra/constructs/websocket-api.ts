/**
 * The gateway's WebSocket API (API Gateway WebSocket): `$connect`, `$disconnect` and `$default` routed to the
 * functions that declare them in the catalog, one stage (`live`) with throttling and JSON access logs like the HTTP
 * API's, and the permission to push to and close this stage's connections (execute-api:ManageConnections) for the
 * functions that do.
 *
 * No API Gateway authoriser: `$connect` admits the key itself, through the same gateway core as HTTP and the local
 * server, so a key works the same way everywhere.
 */
import { type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { WebSocketRouteKey } from './function-catalog.ts';

/**
 * Access-log fields. The route key and connection id are logged; never the query string, which may carry a key
 * (`?nodeId=…&key=…`).
 */
export const WEBSOCKET_ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  connectionId: '$context.connectionId',
  status: '$context.status',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
} as const;

export const WEBSOCKET_STAGE = 'live';

export interface WebSocketApiProps {
  readonly apiName: string;
  /** Messages per second across the API (every connection's messages and handshakes), and the burst above it. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

export class WebSocketApi extends Construct {
  readonly api: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: WebSocketApiProps) {
    super(scope, id);
    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      apiName: props.apiName,
      description: 'CareChain gateway: JSON-RPC and eth_subscribe over WebSocket',
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: WEBSOCKET_STAGE,
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigw.AccessLogFormat.custom(JSON.stringify(WEBSOCKET_ACCESS_LOG_FIELDS)),
      },
    });
  }

  /** `wss://…/live`: what members connect to (with `?nodeId=…`). */
  get url(): string {
    return this.stage.url;
  }

  /** `https://…/live`: the management endpoint PostToConnection and DeleteConnection are sent to. */
  get managementEndpoint(): string {
    return this.stage.callbackUrl;
  }

  /** Sends the given routes to a function; `$default` answers each message (a two-way route). */
  route(name: string, routeKeys: readonly WebSocketRouteKey[], handler: lambda.IFunction): void {
    const integration = new WebSocketLambdaIntegration(`${name}Integration`, handler);
    for (const routeKey of routeKeys) {
      const route = this.api.addRoute(routeKey, { integration, returnResponse: routeKey === '$default' });
      const reason =
        '$connect admits the API key itself (query string, x-api-key, Bearer or subprotocol) through the same ' +
        'gateway core as HTTP and local mode; later messages are admitted from the connection record. An API ' +
        'Gateway authoriser would duplicate that and differ from local mode.';
      Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason });
      Validations.of(route).acknowledge({ id: 'AwsSolutions-COG4', reason });
    }
  }

  /**
   * Statements letting a function push to and close this stage's connections, and nothing else: POST and DELETE on
   * `<api>/live/{POST,DELETE}/@connections/*` (connection ids are API Gateway's, made at run time).
   */
  manageConnectionsStatement(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'PushToWebSocketConnections',
      actions: ['execute-api:ManageConnections'],
      resources: this.connectionsArns(),
    });
  }

  connectionsArns(): string[] {
    const api = Stack.of(this).formatArn({ service: 'execute-api', resource: this.api.apiId });
    return ['POST', 'DELETE'].map((method) => `${api}/${WEBSOCKET_STAGE}/${method}/@connections/*`);
  }
}
