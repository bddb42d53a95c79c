/**
 * ControlPlaneStack: the CareChain service itself. The table, the functions of the catalog with the grants their
 * capabilities name, the tenant role they assume to act for one organisation, the HTTP API, schedules, the
 * provisioning queue, Stripe secrets, the platform signing key, the console site, alarms and a dashboard.
 *
 * Functions that talk to nodes run in the fleet VPC with the control-plane security group; the fleet stack
 * supplies those, the launch templates the reconciler launches from, and the KMS key node keys are kept under.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  SecretValue,
  Stack,
  type StackProps,
  Tags,
  TimeZone,
  Validations,
} from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { nodeKeySecretPrefix } from '../../shared/adapters/aws/node-key-secrets.ts';
import { AWS_SETTING_VARIABLES } from '../../shared/config/config.ts';
import type { NodeSize } from '../../shared/domain/node.ts';
import { DeploymentError } from '../../shared/errors.ts';
import { AccessLogsBucket } from '../constructs/access-logs-bucket.ts';
import { type CapabilityResources, grantCapability } from '../constructs/capability-grants.ts';
import { CareChainFunction, REPOSITORY_ROOT } from '../constructs/carechain-function.ts';
import { ConsoleSite } from '../constructs/console-site.ts';
import { DataTable } from '../constructs/data-table.ts';
import { type Capability, FUNCTIONS, type FunctionName, type FunctionSpec } from '../constructs/function-catalog.ts';
import { HttpApi } from '../constructs/http-api.ts';
import { wildcardResourceFinding } from '../constructs/nag-finding-ids.ts';
import { nodeBackupBucketName } from '../constructs/node-backup-bucket.ts';
import { nodeConfigBucketName } from '../constructs/node-config-bucket.ts';
import { OperationsMonitoring } from '../constructs/operations-monitoring.ts';
import { giveProviderFunctionsLogGroups } from '../constructs/provider-log-groups.ts';
import { ProvisioningQueue } from '../constructs/provisioning-queue.ts';
import { RESOURCE_TAG } from '../constructs/resource-tags.ts';
import { TenantRole } from '../constructs/tenant-role.ts';
import { WebSocketApi } from '../constructs/websocket-api.ts';
import type { DeploymentSettings } from './deployment-settings.ts';

/** What the control plane needs from the node fleet (NodeFleetStack provides it). */
export interface FleetResources {
  readonly vpc: ec2.IVpc;
  readonly nodeSubnets: ec2.SelectedSubnets;
  readonly controlSubnets: ec2.SubnetSelection;
  readonly controlPlaneSecurityGroup: ec2.ISecurityGroup;
  readonly launchTemplates: Readonly<Record<NodeSize, ec2.ILaunchTemplate>>;
  readonly nodeRole: iam.IRole;
  /** Encrypts the node-key secrets the fleet-control functions create. */
  readonly nodeKeyEncryptionKey: kms.IKey;
}

export interface ControlPlaneStackProps extends StackProps {
  readonly settings: DeploymentSettings;
  readonly fleet: FleetResources;
  /** Built console to upload, if the folder exists. @default `console/dist` in the repository */
  readonly consoleAssetsPath?: string;
}

/**
 * Environment variables the functions read (besides CARECHAIN_MODE, CARECHAIN_TABLE_NAME and the rest of
 * shared/config). AWS_REGION is set by Lambda itself.
 */
export const FUNCTION_ENV = AWS_SETTING_VARIABLES;

export class ControlPlaneStack extends Stack {
  readonly table: DataTable;
  readonly provisioning: ProvisioningQueue;
  readonly stripeSecret: secretsmanager.Secret;
  readonly platformKey: kms.Key;
  readonly tenantRole: TenantRole;
  /** HMAC key of personal-data evidence: a salted hash of each value found, never the value. */
  readonly evidenceKey: kms.Key;
  readonly httpApi: HttpApi;
  /** The gateway's WebSocket JSON-RPC (eth_subscribe): `wss://…/live?nodeId=…`. */
  readonly webSocketApi: WebSocketApi;
  /** Seals webhook endpoints' signing secrets (KmsSecretBox). */
  readonly webhookKey: kms.Key;
  readonly consoleSite: ConsoleSite;
  readonly functions: Readonly<Record<FunctionName, CareChainFunction>>;
  readonly schedulerRole: iam.Role;
  readonly monitoring: OperationsMonitoring;

  private readonly settings: DeploymentSettings;
  private readonly fleet: FleetResources;
  /** The fleet's node configuration bucket, named rather than referenced (see node-config-bucket.ts). */
  private readonly nodeConfigBucket: s3.IBucket;
  private readonly capabilityResources: CapabilityResources;

  constructor(scope: Construct, id: string, props: ControlPlaneStackProps) {
    super(scope, id, props);
    const { settings, fleet } = props;
    this.settings = settings;
    this.fleet = fleet;
    this.nodeConfigBucket = s3.Bucket.fromBucketName(
      this,
      'NodeConfigBucket',
      nodeConfigBucketName(this, settings.namePrefix),
    );
    Tags.of(this).add(RESOURCE_TAG.stage, settings.stage);

    this.table = new DataTable(this, 'Data', { production: settings.production });
    this.provisioning = new ProvisioningQueue(this, 'Provisioning', {
      consumerTimeout: Duration.seconds(consumerOfProvisioning().timeoutSeconds),
    });
    this.stripeSecret = new secretsmanager.Secret(this, 'StripeSecret', {
      description:
        'CareChain Stripe keys (JSON: STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET). Placeholders at creation; ' +
        'store the real values with put-secret-value.',
      secretObjectValue: {
        STRIPE_SECRET_KEY: SecretValue.unsafePlainText(''),
        STRIPE_WEBHOOK_SECRET: SecretValue.unsafePlainText(''),
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(this.stripeSecret, 'AwsSolutions-SMG4', STRIPE_ROTATION_REASON);

    this.platformKey = new kms.Key(this, 'PlatformSigningKey', {
      description: `CareChain ${settings.stage} platform key: signs SLA reports members can verify`,
      keySpec: kms.KeySpec.ECC_SECG_P256K1,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      alias: `${settings.namePrefix}-platform-signing`,
      // Published signatures must stay verifiable against this key's address.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.tenantRole = new TenantRole(this, 'Tenant', { table: this.table.table, platformKey: this.platformKey });
    this.evidenceKey = new kms.Key(this, 'EvidenceKey', {
      description: `CareChain ${settings.stage} evidence key: salted hashes of personal data the guard refused`,
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      alias: `${settings.namePrefix}-evidence-hmac`,
      // Recorded hashes must stay comparable with new ones.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.webhookKey = new kms.Key(this, 'WebhookSecretsKey', {
      description: `CareChain ${settings.stage} webhook key: seals each endpoint's signing secret`,
      enableKeyRotation: true,
      alias: `${settings.namePrefix}-webhook-secrets`,
      // Sealed secrets in the table open only with this key.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const accessLogs = new AccessLogsBucket(this, 'AccessLogs');
    this.consoleSite = new ConsoleSite(this, 'Console', {
      accessLogsBucket: accessLogs.bucket,
      domain: settings.consoleDomain,
      logRetention: settings.logRetention,
      logRemovalPolicy: settings.removalPolicy,
    });
    this.httpApi = new HttpApi(this, 'Http', {
      apiName: `${settings.namePrefix}-api`,
      throttle: settings.apiThrottle,
      logRetention: settings.logRetention,
      logRemovalPolicy: settings.removalPolicy,
      allowedOrigins: [this.consoleSite.url],
    });
    this.webSocketApi = new WebSocketApi(this, 'Sockets', {
      apiName: `${settings.namePrefix}-gateway-sockets`,
      throttle: settings.apiThrottle,
      logRetention: settings.logRetention,
      logRemovalPolicy: settings.removalPolicy,
    });
    this.consoleSite.deployAssets(props.consoleAssetsPath ?? path.join(REPOSITORY_ROOT, 'console', 'dist'), {
      apiUrl: this.httpApi.url,
    });

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: 'EventBridge Scheduler: invokes the scheduled CareChain functions',
    });

    this.capabilityResources = {
      table: this.table.table,
      platformKey: this.platformKey,
      tenantRole: this.tenantRole,
      evidenceKey: this.evidenceKey,
      provisioningQueue: this.provisioning.queue,
      stripeSecret: this.stripeSecret,
      nodeConfigBucket: this.nodeConfigBucket,
      nodeBackupBucketName: nodeBackupBucketName(this, settings.namePrefix),
      launchTemplates: Object.values(fleet.launchTemplates),
      fleetVpc: fleet.vpc,
      nodeRole: fleet.nodeRole,
      nodeKeyEncryptionKey: fleet.nodeKeyEncryptionKey,
      stage: settings.stage,
      webhookKey: this.webhookKey,
      webSocketApi: this.webSocketApi,
    };
    const functions = {} as Record<FunctionName, CareChainFunction>;
    for (const spec of FUNCTIONS) functions[spec.name] = this.buildFunction(spec);
    this.functions = functions;

    this.monitoring = new OperationsMonitoring(this, 'Operations', {
      stage: settings.stage,
      functions: Object.values(functions),
      deadLetterQueue: this.provisioning.deadLetterQueue,
      provisioningQueue: this.provisioning.queue,
      httpApi: this.httpApi,
      alarmEmail: settings.alarmEmail,
    });

    giveProviderFunctionsLogGroups(this, settings.logRetention, settings.removalPolicy);

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url });
    new CfnOutput(this, 'GatewaySocketUrl', { value: this.webSocketApi.url });
    new CfnOutput(this, 'ConsoleUrl', { value: this.consoleSite.url });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'StripeSecretArn', { value: this.stripeSecret.secretArn });
    // Operators invoke it by name to set up the Stripe catalogue (README, "Switching billing on").
    new CfnOutput(this, 'BillingSyncFunctionName', { value: functions['billing-sync'].function.functionName });
    new CfnOutput(this, 'PlatformKeyId', { value: this.platformKey.keyId });
  }

  private buildFunction(spec: FunctionSpec): CareChainFunction {
    const fn = new CareChainFunction(this, pascalCase(spec.name), {
      spec,
      environment: this.environmentFor(spec),
      logRetention: this.settings.logRetention,
      logRemovalPolicy: this.settings.removalPolicy,
      network: spec.reachesNodes
        ? {
            vpc: this.fleet.vpc,
            subnets: this.fleet.controlSubnets,
            securityGroup: this.fleet.controlPlaneSecurityGroup,
          }
        : undefined,
    });
    for (const capability of spec.capabilities) grantCapability(fn, capability, this.capabilityResources);

    if (spec.routes) this.httpApi.route(pascalCase(spec.name), spec.routes, fn.function);
    if (spec.webSocketRoutes) this.webSocketApi.route(pascalCase(spec.name), spec.webSocketRoutes, fn.function);
    if (spec.schedule) {
      new scheduler.Schedule(this, `${pascalCase(spec.name)}Schedule`, {
        scheduleName: `${this.settings.namePrefix}-${spec.name}`,
        description: spec.schedule.description,
        schedule: scheduler.ScheduleExpression.expression(
          spec.schedule.expression,
          spec.schedule.timeZone ? TimeZone.of(spec.schedule.timeZone) : undefined,
        ),
        target: new targets.LambdaInvoke(fn.function, {
          role: this.schedulerRole,
          retryAttempts: spec.schedule.retryAttempts,
        }),
      });
      acknowledge(
        this.schedulerRole,
        wildcardResourceFinding(this.schedulerRole, `${fn.function.functionArn}:*`),
        'CDK grants invoke on the function and its versions and aliases (<arn>:*); the scheduler role can ' +
          'invoke nothing but the scheduled CareChain functions.',
      );
    }
    if (spec.consumesProvisioningQueue) {
      fn.function.addEventSource(
        new SqsEventSource(this.provisioning.queue, {
          batchSize: 5,
          reportBatchItemFailures: true,
          // Node work is slow and rate-limited by EC2; two pollers drain a burst without a stampede.
          maxConcurrency: 2,
        }),
      );
    }
    return fn;
  }

  private environmentFor(spec: FunctionSpec): Record<string, string> {
    const env: Record<string, string> = {
      CARECHAIN_MODE: 'aws',
      CARECHAIN_TABLE_NAME: this.table.table.tableName,
      CARECHAIN_PUBLIC_URL: this.consoleSite.url,
      CARECHAIN_LOG_LEVEL: 'info',
      CARECHAIN_VERSION: PACKAGE_VERSION,
      [FUNCTION_ENV.stage]: this.settings.stage,
    };
    const has = (capability: Capability) => (spec.capabilities as readonly Capability[]).includes(capability);
    if (has('stripe-secret')) env[FUNCTION_ENV.stripeSecretArn] = this.stripeSecret.secretArn;
    if (has('provisioning-send')) env[FUNCTION_ENV.provisioningQueueUrl] = this.provisioning.queue.queueUrl;
    if (has('platform-key-read') || has('platform-key-sign')) env[FUNCTION_ENV.platformKeyId] = this.platformKey.keyId;
    if (has('tenant-sessions')) env[FUNCTION_ENV.tenantRoleArn] = this.tenantRole.role.roleArn;
    if (has('evidence-mac')) env[FUNCTION_ENV.evidenceKeyId] = this.evidenceKey.keyId;
    if (has('webhook-secrets')) env[FUNCTION_ENV.webhookKeyId] = this.webhookKey.keyId;
    if (has('socket-push')) env[FUNCTION_ENV.socketEndpoint] = this.webSocketApi.managementEndpoint;
    // The API answers live tickets with the WebSocket API's URL. Only the API: the functions behind the WebSocket
    // API's routes cannot name it (their integrations are part of it).
    if (spec.name === 'api') env[FUNCTION_ENV.gatewaySocketUrl] = this.webSocketApi.url;
    if (has('fleet-control')) {
      const templates = Object.fromEntries(
        Object.entries(this.fleet.launchTemplates).map(([size, template]) => [
          size,
          // `$Default` follows template updates; an exported version number could not change while in use.
          { id: template.launchTemplateId, version: '$Default' },
        ]),
      );
      env[FUNCTION_ENV.launchTemplates] = this.toJsonString(templates);
      env[FUNCTION_ENV.nodeSubnetIds] = this.fleet.nodeSubnets.subnetIds.join(',');
      env[FUNCTION_ENV.nodeConfigBucket] = this.nodeConfigBucket.bucketName;
    }
    if (has('member-backup-copies')) {
      env[FUNCTION_ENV.nodeBackupBucket] = nodeBackupBucketName(this, this.settings.namePrefix);
    }
    if (has('fleet-control') || has('node-key-create')) {
      env[FUNCTION_ENV.nodeKeySecretPrefix] = nodeKeySecretPrefix(this.settings.stage);
      env[FUNCTION_ENV.nodeKeyKmsKey] = this.fleet.nodeKeyEncryptionKey.keyArn;
    }
    return env;
  }
}

const STRIPE_ROTATION_REASON =
  'Stripe API keys and webhook signing secrets are rolled in the Stripe Dashboard, which no rotation function ' +
  'can drive; operators store the rolled values with put-secret-value.';

function consumerOfProvisioning(): FunctionSpec {
  const consumer = FUNCTIONS.find((spec: FunctionSpec) => spec.consumesProvisioningQueue);
  if (!consumer) throw new DeploymentError('No function in the catalog consumes the provisioning queue');
  return consumer;
}

function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, _dash, letter: string) => letter.toUpperCase());
}

function acknowledge(construct: Construct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}

const PACKAGE_VERSION: string = JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8')).version;
