/**
 * Least privilege, checked on the synthesised template: each function's role allows exactly the actions its
 * job needs, and the dangerous ones (KMS keys, EC2 instances) carry the conditions that bound them.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionName } from '../../infra/constructs/function-catalog.ts';
import { buildTestApp, resourcesOf } from './carechain-test-app.ts';

type Statement = {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
};

let template: Template;

beforeAll(() => {
  template = buildTestApp().controlPlaneTemplate;
});

/** Every statement that applies to a function's role: its inline policies and the policies attached to it. */
function statementsOf(name: FunctionName): Statement[] {
  const spec = FUNCTIONS.find((candidate) => candidate.name === name)!;
  const [, fn] = resourcesOf(template, 'AWS::Lambda::Function').find(
    ([, resource]) => resource.Properties?.Description === spec.description,
  )!;
  const roleId: string = fn.Properties!.Role['Fn::GetAtt'][0];
  const role = template.findResources('AWS::IAM::Role')[roleId]!;
  const inline = ((role.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );
  const attached = resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(policy.Properties?.Roles).includes(`"${roleId}"`))
    .flatMap(([, policy]) => policy.Properties!.PolicyDocument.Statement as Statement[]);
  return [...inline, ...attached];
}

const actionsOf = (statements: Statement[], effect: 'Allow' | 'Deny' = 'Allow') =>
  [...new Set(statements.filter((s) => s.Effect === effect).flatMap((s) => [s.Action].flat()))].sort();

const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const VPC = [
  'ec2:AssignPrivateIpAddresses',
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:UnassignPrivateIpAddresses',
];
const TABLE = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];
/** Act for one organisation: its keys and partition are reached only through the tenant role. */
const TENANT_SESSIONS = ['sts:AssumeRole', 'sts:TagSession'];
const QUEUE_SEND = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];
const QUEUE_CONSUME = [
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'sqs:ReceiveMessage',
];
const STRIPE = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'];
const DESCRIBE = ['ec2:DescribeInstanceStatus', 'ec2:DescribeInstances'];
/** Make a node's key before its first launch, hand it to an instance, delete it with the node; never read it. */
const NODE_KEYS = [
  'kms:Decrypt',
  'kms:GenerateDataKey',
  'secretsmanager:CreateSecret',
  'secretsmanager:DeleteSecret',
  'secretsmanager:DescribeSecret',
  'secretsmanager:TagResource',
];
/** Make (and, for a network not recorded after all, delete) genesis validators' keys: no tagging, no reading. */
const GENESIS_NODE_KEYS = [
  'kms:Decrypt',
  'kms:GenerateDataKey',
  'secretsmanager:CreateSecret',
  'secretsmanager:DeleteSecret',
  'secretsmanager:DescribeSecret',
];
const FLEET = [
  ...DESCRIBE,
  'ec2:CreateSnapshot',
  'ec2:CreateTags',
  'ec2:DeleteSnapshot',
  'ec2:DescribeSnapshots',
  'ec2:RebootInstances',
  'ec2:RunInstances',
  'ec2:StartInstances',
  'ec2:StopInstances',
  'ec2:TerminateInstances',
  'iam:PassRole',
  's3:PutObject',
  ...NODE_KEYS,
];

const EXPECTED_ACTIONS: Record<FunctionName, string[]> = {
  api: [
    ...LOGS,
    ...VPC,
    ...TABLE,
    ...TENANT_SESSIONS,
    'kms:GetPublicKey',
    'kms:Sign',
    ...QUEUE_SEND,
    ...STRIPE,
    ...GENESIS_NODE_KEYS,
    'kms:GenerateMac',
    'kms:Encrypt',
  ],
  gateway: [...LOGS, ...VPC, ...TABLE, 'kms:GenerateMac'],
  'gateway-sockets': [...LOGS, ...VPC, ...TABLE, 'kms:GenerateMac', 'execute-api:ManageConnections'],
  'socket-follower': [...LOGS, ...VPC, ...TABLE, 'execute-api:ManageConnections'],
  events: [...LOGS, ...VPC, ...TABLE, 'kms:Decrypt', 'kms:Encrypt'],
  'stripe-webhook': [...LOGS, ...TABLE, ...STRIPE],
  'billing-sync': [...LOGS, ...STRIPE],
  monitor: [...LOGS, ...VPC, ...TABLE, ...FLEET, ...QUEUE_SEND, 'cloudwatch:PutMetricData'],
  reconciler: [...LOGS, ...VPC, ...TABLE, ...FLEET, ...QUEUE_CONSUME],
  // Member copies of backups: read the archives, put copies in members' buckets (iam-fleet-operations.test.ts).
  'fleet-operations': [...LOGS, ...VPC, ...TABLE, ...FLEET, 's3:GetObject', 's3:ListBucket', 's3:PutObjectAcl'],
  metering: [...LOGS, ...TABLE, ...STRIPE],
  sla: [...LOGS, ...TABLE, 'kms:GetPublicKey', 'kms:Sign'],
  governance: [...LOGS, ...VPC, ...TABLE, ...TENANT_SESSIONS, 'kms:GetPublicKey', 'kms:Sign'],
};

describe('each function is allowed exactly what its job needs', () => {
  it.each(Object.entries(EXPECTED_ACTIONS))('%s', (name, expected) => {
    expect(actionsOf(statementsOf(name as FunctionName))).toEqual([...new Set(expected)].sort());
  });

  it('no function may Scan the table or administer it', () => {
    for (const spec of FUNCTIONS) {
      const actions = actionsOf(statementsOf(spec.name));
      expect(actions.filter((action) => /dynamodb:(Scan|DeleteTable|UpdateTable|\*)/.test(action))).toEqual([]);
    }
  });
});

function statement(name: FunctionName, sid: string): Statement {
  const found = statementsOf(name).find((s) => s.Sid === sid);
  expect(found, `${name} statement ${sid}`).toBeDefined();
  return found!;
}

describe('node recovery', () => {
  it('lets the monitor reboot and replace only node instances of this stage', () => {
    expect(statement('monitor', 'OperateOwnNodes').Condition).toEqual({
      Null: { 'aws:ResourceTag/carechain:node': 'false' },
      StringEquals: { 'aws:ResourceTag/carechain:stage': expect.any(String) },
    });
  });
});

describe('tenant signing keys (KMS)', () => {
  const kmsStatements = (name: FunctionName) =>
    statementsOf(name).filter((s) => [s.Action].flat().some((action) => action.startsWith('kms:')));

  it.each(FUNCTIONS.map((spec) => [spec.name]))(
    '%s cannot reach a tenant key with its own role: its KMS grants name the platform, node-key, evidence or webhook key only',
    (name) => {
      for (const grant of kmsStatements(name as FunctionName)) {
        expect(JSON.stringify(grant.Resource), grant.Sid).toMatch(
          /PlatformSigningKey|NodeKey|EvidenceKey|WebhookSecretsKey|ImportValue/,
        );
      }
    },
  );

  it('are reached by the API and governance through the tenant role, tagged with one member organisation', () => {
    for (const name of ['api', 'governance'] as const) {
      const assume = statement(name, 'AssumeTenantRoleForOneOrganisation');
      expect([assume.Action].flat().sort()).toEqual(TENANT_SESSIONS);
      expect(JSON.stringify(assume.Resource)).toMatch(/TenantRole/);
      expect(assume.Condition).toEqual({
        StringLike: { 'aws:RequestTag/carechain:org': 'org_*' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['carechain:org'] },
      });
    }
  });

  it('hash personal-data evidence only with the evidence key, only HMAC-SHA-256', () => {
    for (const name of ['api', 'gateway'] as const) {
      const mac = statement(name, 'HashEvidenceWithEvidenceKey');
      expect(mac.Action).toBe('kms:GenerateMac');
      expect(mac.Condition).toEqual({ StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } });
      expect(JSON.stringify(mac.Resource)).toContain('EvidenceKey');
    }
  });

  it('the platform key signs digests for SLA reports only', () => {
    expect(statement('sla', 'SignWithPlatformKey').Condition).toEqual({
      StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' },
    });
  });
});

describe('node instances (EC2)', () => {
  it('launch only from the fleet launch templates', () => {
    const runStatements = statementsOf('reconciler').filter((s) => [s.Action].flat().includes('ec2:RunInstances'));
    expect(runStatements.length).toBeGreaterThan(1);
    const [templates, ...others] = runStatements;
    expect(JSON.stringify(templates!.Resource)).toContain('launch-template/');
    for (const other of others) {
      const launchTemplates = other.Condition?.ArnLike?.['ec2:LaunchTemplate'] as unknown[];
      expect(launchTemplates, other.Sid).toHaveLength(3);
    }
  });

  it('launch only with the node and organisation tags in the request', () => {
    expect(statement('reconciler', 'LaunchTaggedNodeInstances').Condition?.Null).toEqual({
      'aws:RequestTag/carechain:node': 'false',
      'aws:RequestTag/carechain:org': 'false',
    });
  });

  it("keep the template's image and security group, and land in the fleet VPC", () => {
    expect(statement('reconciler', 'LaunchWithTemplateImageAndSecurityGroup').Condition?.Bool).toEqual({
      'ec2:IsLaunchTemplateResource': 'true',
    });
    expect(JSON.stringify(statement('reconciler', 'LaunchIntoFleetSubnets').Condition?.ArnEquals)).toContain('ec2:Vpc');
  });

  it('are tagged only as part of the launch', () => {
    expect(statement('reconciler', 'TagOnlyWhileLaunching').Condition).toEqual({
      StringEquals: { 'ec2:CreateAction': 'RunInstances' },
    });
  });

  it('start, stop, reboot and terminate only when tagged as a node of this stage', () => {
    const operate = statement('reconciler', 'OperateOwnNodes');
    expect([operate.Action].flat().sort()).toEqual([
      'ec2:RebootInstances',
      'ec2:StartInstances',
      'ec2:StopInstances',
      'ec2:TerminateInstances',
    ]);
    expect(operate.Condition).toEqual({
      Null: { 'aws:ResourceTag/carechain:node': 'false' },
      StringEquals: { 'aws:ResourceTag/carechain:stage': 'dev' },
    });
  });

  it('receive the node role only through EC2', () => {
    expect(statement('reconciler', 'PassNodeRoleToInstances').Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' },
    });
  });
});

describe('node keys (Secrets Manager)', () => {
  const fleetControl = FUNCTIONS.filter((spec) => (spec.capabilities as readonly string[]).includes('fleet-control'));
  const keyCreators = FUNCTIONS.filter((spec) => (spec.capabilities as readonly string[]).includes('node-key-create'));
  const others = FUNCTIONS.filter((spec) => !fleetControl.includes(spec) && !keyCreators.includes(spec));
  const nodeKeySecrets = {
    'Fn::Join': [
      '',
      ['arn:aws:secretsmanager:eu-north-1:', { Ref: 'AWS::AccountId' }, ':secret:carechain/dev/node-keys/*'],
    ],
  };

  it('are handled by the monitor, the reconciler and the fleet operations, the fleet-control functions', () => {
    expect(fleetControl.map((spec) => spec.name).sort()).toEqual(['fleet-operations', 'monitor', 'reconciler']);
  });

  it.each(fleetControl.map((spec) => [spec.name]))(
    '%s creates, describes, tags and deletes secrets under the node-keys prefix of its stage only',
    (name) => {
      const manage = statement(name as FunctionName, 'ManageNodeKeySecrets');
      expect([manage.Action].flat().sort()).toEqual([
        'secretsmanager:CreateSecret',
        'secretsmanager:DeleteSecret',
        'secretsmanager:DescribeSecret',
        'secretsmanager:TagResource',
      ]);
      expect(manage.Resource).toEqual(nodeKeySecrets);
      const onSecrets = statementsOf(name as FunctionName).filter((s) =>
        [s.Action].flat().some((action) => action.startsWith('secretsmanager:')),
      );
      expect(onSecrets.map((s) => s.Sid)).toEqual(['ManageNodeKeySecrets']);
    },
  );

  it('are made for new networks’ genesis validators by the API, which may neither hand them out nor read them', () => {
    expect(keyCreators.map((spec) => spec.name)).toEqual(['api']);
    const create = statement('api', 'CreateNodeKeySecrets');
    expect([create.Action].flat().sort()).toEqual([
      'secretsmanager:CreateSecret',
      'secretsmanager:DeleteSecret',
      'secretsmanager:DescribeSecret',
    ]);
    expect(create.Resource).toEqual(nodeKeySecrets);
    const actions = actionsOf(statementsOf('api'));
    // GetSecretValue stays limited to the Stripe secret (its own statement).
    const onNodeKeys = statementsOf('api').filter((s) => JSON.stringify(s.Resource).includes('node-keys'));
    expect(onNodeKeys.map((s) => s.Sid)).toEqual(['CreateNodeKeySecrets']);
    expect(actions).not.toContain('secretsmanager:TagResource');
    expect(actions).not.toContain('secretsmanager:PutSecretValue');
    expect(statement('api', 'EncryptNodeKeysThroughSecretsManager').Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.eu-north-1.', { Ref: 'AWS::URLSuffix' }]] },
      },
    });
  });

  it.each(fleetControl.map((spec) => [spec.name]))('%s can never read a key back', (name) => {
    const actions = actionsOf(statementsOf(name as FunctionName));
    expect(actions).not.toContain('secretsmanager:GetSecretValue');
    expect(actions).not.toContain('secretsmanager:PutSecretValue');
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  it.each(fleetControl.map((spec) => [spec.name]))(
    '%s uses the fleet node-key KMS key only through Secrets Manager',
    (name) => {
      const encrypt = statement(name as FunctionName, 'EncryptNodeKeysThroughSecretsManager');
      expect([encrypt.Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      expect(JSON.stringify(encrypt.Resource)).toMatch(/CareChain-dev-NodeFleet.*NodeKeyEncryptionKey/);
      expect(encrypt.Condition).toEqual({
        StringEquals: {
          'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.eu-north-1.', { Ref: 'AWS::URLSuffix' }]] },
        },
      });
    },
  );

  it.each(others.map((spec) => [spec.name]))('%s has no access to node keys', (name) => {
    const statements = statementsOf(name as FunctionName);
    expect(JSON.stringify(statements)).not.toMatch(/node-keys|NodeKeyEncryptionKey/);
    expect(actionsOf(statements)).not.toContain('kms:GenerateDataKey');
  });
});

it('the unhealthy-nodes metric can be published only to the CareChain namespace', () => {
  expect(statement('monitor', 'PublishUnhealthyNodes').Condition).toEqual({
    StringEquals: { 'cloudwatch:namespace': 'CareChain' },
  });
});

describe('event streams', () => {
  it('lets the WebSocket functions push to and close only this API’s connections on its live stage', () => {
    for (const name of ['gateway-sockets', 'socket-follower'] as const) {
      const push = statement(name, 'PushToWebSocketConnections');
      expect(push.Action).toBe('execute-api:ManageConnections');
      const resources = [push.Resource].flat().map((resource) => JSON.stringify(resource));
      expect(resources).toHaveLength(2);
      for (const method of ['POST', 'DELETE']) {
        expect(resources.some((arn) => new RegExp(`SocketsApi.*/live/${method}/@connections/\\*`).test(arn))).toBe(
          true,
        );
      }
    }
  });

  it('lets webhook secrets be sealed and opened only as webhook signing secrets, with their own key', () => {
    for (const name of ['api', 'events'] as const) {
      const seal = statement(name, 'SealWebhookSecrets');
      expect(seal.Condition).toEqual({
        StringEquals: { 'kms:EncryptionContext:purpose': 'webhook-signing-secret' },
      });
      expect(JSON.stringify(seal.Resource)).toMatch(/WebhookSecretsKey/);
    }
  });
});
