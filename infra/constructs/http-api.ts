/**
 * The public HTTP API (API Gateway v2): one `$default` stage with throttling and JSON access logs, and routes
 * to the functions that declare them in the catalog.
 *
 * No API Gateway authoriser: the application authenticates every request itself (session tokens for the API,
 * API keys for the JSON-RPC gateway, Stripe signatures for webhooks), the same way in local and AWS mode.
 */
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HttpRoute } from './function-catalog.ts';

/**
 * Access-log fields. The route key is logged, never the raw path: `POST /rpc/{nodeId}/{apiKey}` carries an API
 * key in the path, and the route key (`POST /rpc/{proxy+}`) keeps it out of the logs.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
} as const;

export interface HttpApiProps {
  readonly apiName: string;
  /** Steady-state requests per second across the API, and the burst above it. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** Browser origins allowed to call the API (the console). @default none */
  readonly allowedOrigins?: readonly string[];
}

export class HttpApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: props.apiName,
      createDefaultStage: false,
      ...(props.allowedOrigins?.length && {
        corsPreflight: {
          allowOrigins: [...props.allowedOrigins],
          allowMethods: [apigwv2.CorsHttpMethod.ANY],
          allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-api-key'],
          maxAge: Duration.hours(1),
        },
      }),
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigw.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
  }

  get url(): string {
    return this.stage.url;
  }

  /** Sends the given routes to a function. */
  route(name: string, routes: readonly HttpRoute[], handler: lambda.IFunction): void {
    const integration = new HttpLambdaIntegration(`${name}Integration`, handler);
    for (const route of routes) {
      const created = this.api.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration,
      });
      for (const httpRoute of created) {
        const reason =
          'The application authenticates every request itself (session tokens, API keys checked against ' +
          'their hashes, Stripe webhook signatures); an API Gateway authoriser would duplicate that and ' +
          'differ from local mode.';
        Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason });
        Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-COG4', reason });
      }
    }
  }
}
