/**
 * ControlPlaneStack, property by property: what a security review of the synthesised template would check.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionSpec } from '../../infra/constructs/function-catalog.ts';
import { ACCESS_LOG_FIELDS } from '../../infra/constructs/http-api.ts';
import { SESSION_ORG } from '../../infra/constructs/tenant-role.ts';
import { FUNCTION_ENV } from '../../infra/stacks/control-plane-stack.ts';
import { GLOBAL_INDEXES, TABLE } from '../../shared/store/table-schema.ts';
import {
  buildTestApp,
  type CfnJson,
  CONSOLE_FIXTURE,
  resourcesOf,
  TEST_BESU_SHA256,
  type TestApp,
} from './carechain-test-app.ts';

let dev: TestApp;
let prod: TestApp;
let template: Template;

beforeAll(() => {
  dev = buildTestApp();
  prod = buildTestApp(
    {
      stage: 'prod',
      besuSha256: TEST_BESU_SHA256,
      consoleDomainName: 'console.carechain.example',
      consoleCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0b3c6a2e-1111-2222-3333-444455556666',
      alarmEmail: 'operations@carechain.example',
    },
    CONSOLE_FIXTURE,
  );
  template = dev.controlPlaneTemplate;
  // Two apps of thirteen functions each, synthesised on a machine that may be busy.
}, 180_000);

function lambdaOf(t: Template, spec: FunctionSpec): [string, CfnJson] {
  const matches = resourcesOf(t, 'AWS::Lambda::Function').filter(
    ([, resource]) => resource.Properties?.Description === spec.description,
  );
  expect(matches, `exactly one function for ${spec.name}`).toHaveLength(1);
  const [id, resource] = matches[0]!;
  return [id, resource.Properties as CfnJson];
}

describe('DynamoDB table', () => {
  it('uses the key, index and TTL names of the shared table schema', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: GLOBAL_INDEXES.map((index) =>
        Match.objectLike({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
        }),
      ),
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
    });
  });

  it('is on demand, encrypted with KMS and has point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('is protected from deletion and retained in prod', () => {
    prod.controlPlaneTemplate.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });

  it('is deleted with its stack outside prod', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });
});

describe('Lambda functions', () => {
  it('builds exactly the functions of the catalog', () => {
    const ours = resourcesOf(template, 'AWS::Lambda::Function').filter(([, r]) =>
      FUNCTIONS.some((spec) => spec.description === r.Properties?.Description),
    );
    expect(ours).toHaveLength(FUNCTIONS.length);
  });

  it.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))(
    '%s runs Node.js 24 on arm64 with its catalog size and AWS-mode environment',
    (_name, spec) => {
      const [, fn] = lambdaOf(template, spec);
      expect(fn.Runtime).toBe('nodejs24.x');
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.MemorySize).toBe(spec.memoryMb);
      expect(fn.Timeout).toBe(spec.timeoutSeconds);
      expect(fn.Environment.Variables).toMatchObject({
        CARECHAIN_MODE: 'aws',
        CARECHAIN_STAGE: 'dev',
        CARECHAIN_TABLE_NAME: { Ref: expect.stringMatching(/^DataTable/) },
        NODE_OPTIONS: '--enable-source-maps',
      });
      expect(fn.Environment.Variables).not.toHaveProperty('AWS_REGION');
    },
  );

  it.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))(
    '%s runs in the fleet VPC exactly when it talks to nodes',
    (_name, spec) => {
      const [, fn] = lambdaOf(template, spec);
      if (spec.reachesNodes) {
        expect(fn.VpcConfig.SecurityGroupIds).toHaveLength(1);
        expect(JSON.stringify(fn.VpcConfig.SecurityGroupIds)).toContain('ControlPlaneSecurityGroup');
        expect(fn.VpcConfig.SubnetIds.length).toBeGreaterThanOrEqual(2);
      } else {
        expect(fn.VpcConfig).toBeUndefined();
      }
    },
  );

  it('hands each function only the variables of its capabilities', () => {
    const variables = (name: string) =>
      Object.keys(lambdaOf(template, FUNCTIONS.find((spec) => spec.name === name)!)[1].Environment.Variables);
    expect(variables('stripe-webhook')).toContain('STRIPE_SECRET_ARN');
    expect(variables('gateway')).not.toContain('STRIPE_SECRET_ARN');
    expect(variables('reconciler')).toEqual(
      expect.arrayContaining([
        'CARECHAIN_LAUNCH_TEMPLATES',
        'CARECHAIN_NODE_SUBNET_IDS',
        'CARECHAIN_NODE_CONFIG_BUCKET',
      ]),
    );
    expect(variables('api')).toContain('CARECHAIN_PROVISIONING_QUEUE_URL');
    expect(variables('sla')).toContain('CARECHAIN_PLATFORM_KEY_ID');
  });

  it('tells fleet operations, alone, the backup bucket its archives are copied from: the fleet stack’s bucket', () => {
    for (const spec of FUNCTIONS) {
      const variables = lambdaOf(template, spec)[1].Environment.Variables;
      if (spec.name !== 'fleet-operations') {
        expect(variables).not.toHaveProperty(FUNCTION_ENV.nodeBackupBucket);
        continue;
      }
      expect(variables[FUNCTION_ENV.nodeBackupBucket]).toEqual({
        'Fn::Join': ['', ['carechain-dev-nodebkp-', { Ref: 'AWS::AccountId' }, '-eu-north-1']],
      });
    }
    const fleetBucket = resourcesOf(dev.fleetTemplate, 'AWS::S3::Bucket').find(([id]) => id.startsWith('NodeBackups'));
    expect(fleetBucket?.[1].Properties?.BucketName).toEqual({
      'Fn::Join': ['', ['carechain-dev-nodebkp-', { Ref: 'AWS::AccountId' }, '-eu-north-1']],
    });
  });

  it.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))(
    '%s is told the tenant role exactly when it acts for organisations (the API and governance)',
    (name, spec) => {
      const variables = lambdaOf(template, spec)[1].Environment.Variables;
      if (name === 'api' || name === 'governance') {
        expect(variables[FUNCTION_ENV.tenantRoleArn]).toEqual({
          'Fn::GetAtt': [expect.stringMatching(/^TenantRole/), 'Arn'],
        });
      } else {
        expect(variables).not.toHaveProperty(FUNCTION_ENV.tenantRoleArn);
      }
    },
  );

  it.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))(
    '%s is told where node keys are kept exactly when it controls the fleet or makes genesis validators’ keys',
    (_name, spec) => {
      const [, fn] = lambdaOf(template, spec);
      const variables = fn.Environment.Variables;
      const capabilities = spec.capabilities as readonly string[];
      if (capabilities.includes('fleet-control') || capabilities.includes('node-key-create')) {
        expect(variables[FUNCTION_ENV.nodeKeySecretPrefix]).toBe('carechain/dev/node-keys/');
        expect(JSON.stringify(variables[FUNCTION_ENV.nodeKeyKmsKey])).toMatch(
          /CareChain-dev-NodeFleet.*NodeKeyEncryptionKey.*Arn/,
        );
      } else {
        expect(variables).not.toHaveProperty(FUNCTION_ENV.nodeKeySecretPrefix);
        expect(variables).not.toHaveProperty(FUNCTION_ENV.nodeKeyKmsKey);
      }
    },
  );

  it('gives the node-key prefix of its own stage in prod', () => {
    const [, fn] = lambdaOf(prod.controlPlaneTemplate, FUNCTIONS.find((spec) => spec.name === 'reconciler')!);
    expect(fn.Environment.Variables.CARECHAIN_NODE_KEY_SECRET_PREFIX).toBe('carechain/prod/node-keys/');
  });

  it('names the fleet launch templates with $Default versions for the reconciler', () => {
    const [, fn] = lambdaOf(template, FUNCTIONS.find((spec) => spec.name === 'reconciler')!);
    const rendered = JSON.stringify(fn.Environment.Variables.CARECHAIN_LAUNCH_TEMPLATES);
    for (const size of ['small', 'medium', 'large']) expect(rendered).toContain(`\\"${size}\\":{\\"id\\":`);
    expect(rendered).toContain('$Default');
  });

  it('writes every function log to a group of its own with a retention', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    for (const spec of FUNCTIONS) {
      const [, fn] = lambdaOf(template, spec);
      const groupId = fn.LoggingConfig.LogGroup.Ref as string;
      expect(groups[groupId]?.Properties.RetentionInDays).toBe(30);
    }
  });

  it('retries scheduled invocations only where a missed run is not superseded by the next', () => {
    const configs = resourcesOf(template, 'AWS::Lambda::EventInvokeConfig');
    expect(configs.map(([, c]) => c.Properties?.MaximumRetryAttempts).sort()).toEqual([0, 0, 0, 0, 0, 0, 2, 2]);
  });
});

describe('every log group and every function of both stacks', () => {
  it.each(['dev', 'prod'] as const)('has a retention in %s (custom-resource providers included)', (stage) => {
    const app = stage === 'dev' ? dev : prod;
    for (const t of [app.fleetTemplate, app.controlPlaneTemplate]) {
      for (const [id, group] of resourcesOf(t, 'AWS::Logs::LogGroup')) {
        expect(group.Properties?.RetentionInDays, id).toBe(stage === 'prod' ? 365 : 30);
      }
      for (const [id, fn] of resourcesOf(t, 'AWS::Lambda::Function')) {
        expect((fn.Properties?.LoggingConfig as { LogGroup?: unknown })?.LogGroup, id).toBeDefined();
      }
    }
  });
});

describe('HTTP API', () => {
  it('has one $default stage with JSON access logs that never record the raw path', () => {
    // The other stage is the WebSocket API's (websocket-api.test.ts).
    const stages = resourcesOf(template, 'AWS::ApiGatewayV2::Stage').filter(([id]) => id.startsWith('Http'));
    expect(stages).toHaveLength(1);
    const [, stage] = stages[0]!;
    const props = stage.Properties as CfnJson;
    expect(props.StageName).toBe('$default');
    expect(props.AccessLogSettings.DestinationArn).toBeDefined();
    const format = JSON.parse(props.AccessLogSettings.Format);
    expect(format).toEqual(ACCESS_LOG_FIELDS);
    expect(props.AccessLogSettings.Format).toContain('$context.requestId');
    expect(props.AccessLogSettings.Format).not.toContain('$context.path');
  });

  it('throttles the default stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
    });
  });

  it.each([
    ['ANY /{proxy+}', 'api'],
    ['POST /rpc/{proxy+}', 'gateway'],
    ['POST /webhooks/stripe', 'stripe-webhook'],
  ])('routes %s to the %s function', (routeKey, name) => {
    const [route] = resourcesOf(template, 'AWS::ApiGatewayV2::Route').filter(
      ([, r]) => r.Properties?.RouteKey === routeKey,
    );
    expect(route, routeKey).toBeDefined();
    expect(route![1].Properties?.AuthorizationType).toBe('NONE');
    const integrationId = JSON.stringify(route![1].Properties?.Target).match(/"(Http\w+Integration\w+)"/)?.[1];
    const integration = template.findResources('AWS::ApiGatewayV2::Integration')[integrationId!];
    const [functionId] = lambdaOf(template, FUNCTIONS.find((spec) => spec.name === name)!);
    expect(JSON.stringify(integration?.Properties.IntegrationUri)).toContain(functionId);
  });

  it('allows the console origin only, for CORS', () => {
    const [, api] = resourcesOf(template, 'AWS::ApiGatewayV2::Api')[0]!;
    const cors = (api.Properties as CfnJson).CorsConfiguration;
    expect(JSON.stringify(cors.AllowOrigins)).toContain('ConsoleDistribution');
    expect(cors.AllowCredentials).toBeUndefined();
  });
});

describe('provisioning queue', () => {
  it('sends a message to the dead-letter queue after five failed deliveries', () => {
    const queues = resourcesOf(template, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(2);
    const main = queues.find(([, q]) => q.Properties?.RedrivePolicy)!;
    const dlq = queues.find(([, q]) => !q.Properties?.RedrivePolicy)!;
    const redrive = main[1].Properties?.RedrivePolicy as CfnJson;
    expect(redrive.maxReceiveCount).toBe(5);
    expect(redrive.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': [dlq[0], 'Arn'] });
    const reconciler = FUNCTIONS.find((spec) => spec.name === 'reconciler')!;
    expect(main[1].Properties?.VisibilityTimeout).toBe(reconciler.timeoutSeconds * 6);
  });

  it('encrypts both queues and refuses requests without TLS', () => {
    for (const [id, queue] of resourcesOf(template, 'AWS::SQS::Queue')) {
      expect(queue.Properties?.SqsManagedSseEnabled, id).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('feeds the reconciler, which reports partial batch failures', () => {
    const [reconcilerId] = lambdaOf(template, FUNCTIONS.find((spec) => spec.name === 'reconciler')!);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: reconcilerId },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('schedules', () => {
  it.each(FUNCTIONS.filter((spec) => 'schedule' in spec).map((spec) => [spec.name, spec] as const))(
    'invokes %s on its catalog schedule through the scheduler role',
    (_name, spec) => {
      const [functionId] = lambdaOf(template, spec);
      const schedule = (spec as FunctionSpec).schedule!;
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: schedule.expression,
        ...(schedule.timeZone && { ScheduleExpressionTimezone: schedule.timeZone }),
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulerRole'), 'Arn'] },
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: schedule.retryAttempts }),
        }),
      });
    },
  );

  it('lets only EventBridge Scheduler of this account assume the scheduler role', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('EventBridge Scheduler'),
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ],
      },
    });
  });
});

describe('buckets (both stacks)', () => {
  it.each(['fleet', 'control plane'] as const)('block public access and refuse plain HTTP in the %s', (which) => {
    const t = which === 'fleet' ? dev.fleetTemplate : template;
    const buckets = resourcesOf(t, 'AWS::S3::Bucket');
    expect(buckets.length).toBeGreaterThan(0);
    for (const [id, bucket] of buckets) {
      expect(bucket.Properties?.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties?.BucketEncryption, id).toBeDefined();
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('log access to every bucket except the access-log bucket itself', () => {
    for (const t of [dev.fleetTemplate, template]) {
      const buckets = resourcesOf(t, 'AWS::S3::Bucket');
      const withoutLogs = buckets.filter(([, b]) => !b.Properties?.LoggingConfiguration).map(([id]) => id);
      expect(withoutLogs).toHaveLength(1);
      expect(withoutLogs[0]).toMatch(/^AccessLogs/);
    }
  });
});

describe('console distribution', () => {
  it('reads the bucket through Origin Access Control and serves index.html over HTTPS', () => {
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' },
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue() })],
        Logging: Match.objectLike({ Bucket: Match.anyValue() }),
      }),
    });
  });

  it('refuses TLS below 1.2 when it has its own domain and certificate', () => {
    prod.controlPlaneTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['console.carechain.example'],
        ViewerCertificate: Match.objectLike({ MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' }),
      }),
    });
  });

  it('uploads the console build only when it exists', () => {
    template.resourceCountIs('Custom::CDKBucketDeployment', 0);
    prod.controlPlaneTemplate.resourceCountIs('Custom::CDKBucketDeployment', 1);
  });
});

describe('alarms', () => {
  it('watch errors and throttles of every function', () => {
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties as CfnJson);
    for (const spec of FUNCTIONS) {
      const [functionId] = lambdaOf(template, spec);
      for (const metric of ['Errors', 'Throttles']) {
        const match = alarms.find(
          (a) => a.MetricName === metric && JSON.stringify(a.Dimensions).includes(`"${functionId}"`),
        );
        expect(match, `${metric} alarm of ${spec.name}`).toBeDefined();
      }
    }
  });

  it('fire on any message in the dead-letter queue and on unhealthy nodes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'QueueName'] } },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CareChain',
      MetricName: 'UnhealthyNodes',
      Dimensions: [{ Name: 'Stage', Value: 'dev' }],
      Threshold: 0,
    });
  });

  it('all notify the encrypted alarm topic, and a dashboard exists', () => {
    const [topicId] = resourcesOf(template, 'AWS::SNS::Topic')[0]!;
    for (const [id, alarm] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
      expect(alarm.Properties?.AlarmActions, id).toEqual([{ Ref: topicId }]);
    }
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    prod.controlPlaneTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'operations@carechain.example',
    });
  });
});

describe('tenant role', () => {
  it('trusts only the API and governance functions, for sessions tagged with one member organisation', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('tenant session'),
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Principal: {
              AWS: [
                { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiRole'), 'Arn'] },
                { 'Fn::GetAtt': [Match.stringLikeRegexp('^GovernanceRole'), 'Arn'] },
              ],
            },
            Condition: {
              StringLike: { 'aws:RequestTag/carechain:org': 'org_*' },
              'ForAllValues:StringEquals': { 'aws:TagKeys': ['carechain:org'] },
            },
          },
        ],
      },
    });
  });

  it("binds every permission to the session's organisation and denies the platform key", () => {
    const [, role] = resourcesOf(template, 'AWS::IAM::Role').find(([id]) => id.startsWith('TenantRole'))!;
    const statements = role.Properties!.Policies[0].PolicyDocument.Statement as CfnJson[];
    for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
      expect(statement.Condition.Null, statement.Sid).toMatchObject({ 'aws:PrincipalTag/carechain:org': 'false' });
      expect(JSON.stringify(statement.Condition), statement.Sid).toContain(SESSION_ORG);
    }
    const deny = statements.find((s) => s.Effect === 'Deny');
    expect(deny).toMatchObject({ Action: 'kms:*' });
    expect(deny.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PlatformSigningKey/), 'Arn'] });
  });
});

describe('secrets and keys', () => {
  it('keeps Stripe keys in Secrets Manager, readable only by the functions that call Stripe', () => {
    const [secretId] = resourcesOf(template, 'AWS::SecretsManager::Secret')[0]!;
    const readers = resourcesOf(template, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties?.PolicyDocument).includes('secretsmanager:GetSecretValue'))
      .map(([id]) => id.replace(/Role.*$/, ''));
    expect(readers.sort()).toEqual(['Api', 'BillingSync', 'Metering', 'StripeWebhook']);
    for (const name of ['api', 'stripe-webhook', 'metering', 'billing-sync']) {
      const [, fn] = lambdaOf(template, FUNCTIONS.find((spec) => spec.name === name)!);
      expect(fn.Environment.Variables.STRIPE_SECRET_ARN).toEqual({ Ref: secretId });
    }
  });

  it('runs the billing catalogue sync only when an operator invokes it: no route, no schedule, its name an output', () => {
    const [functionId] = lambdaOf(template, FUNCTIONS.find((spec) => spec.name === 'billing-sync')!);
    const invokers = [
      ...resourcesOf(template, 'AWS::ApiGatewayV2::Integration'),
      ...resourcesOf(template, 'AWS::Scheduler::Schedule'),
      ...resourcesOf(template, 'AWS::Lambda::EventSourceMapping'),
    ].filter(([, resource]) => JSON.stringify(resource.Properties).includes(`"${functionId}"`));
    expect(invokers).toEqual([]);
    template.hasOutput('BillingSyncFunctionName', { Value: { Ref: functionId } });
  });

  it('keeps a secp256k1 platform signing key that survives the stack', () => {
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' }),
    });
  });
});
