/**
 * The gateway's WebSocket API in the control-plane stack: its routes and integrations, the live stage's throttling
 * and access logs (never the query string, which may carry a key), the follower's and events function's
 * schedules, the management endpoint the pushing functions are told, and ManageConnections scoped to this API.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionSpec } from '../../infra/constructs/function-catalog.ts';
import { WEBSOCKET_ACCESS_LOG_FIELDS } from '../../infra/constructs/websocket-api.ts';
import { FUNCTION_ENV } from '../../infra/stacks/control-plane-stack.ts';
import { buildTestApp, type CfnJson, resourcesOf } from './carechain-test-app.ts';

let template: Template;

beforeAll(() => {
  template = buildTestApp().controlPlaneTemplate;
});

const spec = (name: string) => FUNCTIONS.find((row) => row.name === name) as FunctionSpec;
function functionId(name: string): string {
  const [found] = resourcesOf(template, 'AWS::Lambda::Function').filter(
    ([, fn]) => fn.Properties?.Description === spec(name).description,
  );
  expect(found, name).toBeDefined();
  return found![0];
}

describe('WebSocket API', () => {
  it('selects routes by $request.body.action, so every JSON-RPC message takes $default', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
  });

  it.each(['$connect', '$disconnect', '$default'])('routes %s to the gateway-sockets function', (routeKey) => {
    const [route] = resourcesOf(template, 'AWS::ApiGatewayV2::Route').filter(
      ([, r]) => r.Properties?.RouteKey === routeKey,
    );
    expect(route, routeKey).toBeDefined();
    expect(route![1].Properties?.AuthorizationType).toBe('NONE');
    const integrationId = JSON.stringify(route![1].Properties?.Target).match(/"(Sockets\w+Integration\w+)"/)?.[1];
    const integration = template.findResources('AWS::ApiGatewayV2::Integration')[integrationId!];
    expect(integration?.Properties.IntegrationType).toBe('AWS_PROXY');
    expect(JSON.stringify(integration?.Properties.IntegrationUri)).toContain(functionId('gateway-sockets'));
  });

  it('answers each message: $default is a two-way route with a route response', () => {
    const [route] = resourcesOf(template, 'AWS::ApiGatewayV2::Route').filter(
      ([, r]) => r.Properties?.RouteKey === '$default',
    );
    expect(route![1].Properties?.RouteResponseSelectionExpression).toBe('$default');
    template.hasResourceProperties('AWS::ApiGatewayV2::RouteResponse', { RouteResponseKey: '$default' });
  });

  it('has a throttled live stage with JSON access logs that never record the query string', () => {
    const [stage] = resourcesOf(template, 'AWS::ApiGatewayV2::Stage').filter(([id]) => id.startsWith('Sockets'));
    const props = stage![1].Properties as CfnJson;
    expect(props.StageName).toBe('live');
    expect(props.AutoDeploy).toBe(true);
    expect(props.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 });
    expect(JSON.parse(props.AccessLogSettings.Format)).toEqual(WEBSOCKET_ACCESS_LOG_FIELDS);
    expect(props.AccessLogSettings.Format).not.toMatch(/querystring|\$context\.path|\$request/i);
  });

  it('tells the pushing functions the management endpoint of the live stage', () => {
    for (const name of ['gateway-sockets', 'socket-follower']) {
      const [, fn] = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id === functionId(name))!;
      const endpoint = JSON.stringify(fn.Properties?.Environment.Variables[FUNCTION_ENV.socketEndpoint]);
      expect(endpoint, name).toMatch(/https:\/\/.*SocketsApi.*execute-api.*\/live/);
    }
  });

  it('tells the API (and no function behind the WebSocket API) the wss:// URL its live tickets name', () => {
    const urlOf = (name: string) => {
      const [, fn] = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id === functionId(name))!;
      return fn.Properties?.Environment.Variables[FUNCTION_ENV.gatewaySocketUrl];
    };
    expect(JSON.stringify(urlOf('api'))).toMatch(/wss:\/\/.*SocketsApi.*execute-api.*\/live/);
    expect(urlOf('gateway-sockets')).toBeUndefined();
  });

  it('outputs the wss:// URL members connect to', () => {
    template.hasOutput('GatewaySocketUrl', { Value: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
  });
});

describe('the follower and the events function', () => {
  it.each(['socket-follower', 'events'])('runs %s every minute, with no retries, for less than a minute', (name) => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [functionId(name), 'Arn'] },
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 0 }),
      }),
    });
    expect(spec(name).timeoutSeconds).toBeLessThanOrEqual(60);
  });

  it('seals webhook secrets under a key of their own that rotates and outlives the stack', () => {
    const [key] = resourcesOf(template, 'AWS::KMS::Key').filter(([id]) => id.startsWith('WebhookSecretsKey'));
    expect(key![1].Properties?.EnableKeyRotation).toBe(true);
    expect(key![1].DeletionPolicy).toBe('Retain');
  });
});
