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
const TENANT_KEYS = [
  'kms:CreateKey',
  'kms:DisableKey',
  'kms:EnableKey',
  'kms:GetPublicKey',
  'kms:ScheduleKeyDeletion',
  'kms:Sign',
  'kms:TagResource',
];
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
  'ec2:CreateTags',
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
  api: [...LOGS, ...VPC, ...TABLE, ...TENANT_KEYS, ...QUEUE_SEND, ...STRIPE, ...GENESIS_NODE_KEYS, 'kms:GenerateMac'],
  gateway: [...LOGS, ...VPC, ...TABLE, 'kms:GenerateMac'],
  'stripe-webhook': [...LOGS, ...TABLE, ...STRIPE],
  'billing-sync': [...LOGS, ...STRIPE],
  monitor: [...LOGS, ...VPC, ...TABLE, ...FLEET, ...QUEUE_SEND, 'cloudwatch:PutMetricData'],
  reconciler: [...LOGS, ...VPC, ...TABLE, ...FLEET, ...QUEUE_CONSUME],
  metering: [...LOGS, ...TABLE, ...STRIPE],
  sla: [...LOGS, ...TABLE, 'kms:GetPublicKey', 'kms:Sign'],
  governance: [...LOGS, ...VPC, ...TABLE, ...TENANT_KEYS, 'kms:GetPublicKey', 'kms:Sign'],
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
  it('can only be created as secp256k1 signing keys tagged with an organisation', () => {
    expect(statement('api', 'CreateTenantSigningKeys').Condition).toEqual({
      Null: { 'aws:RequestTag/carechain:org': 'false' },
      StringEquals: { 'kms:KeySpec': 'ECC_SECG_P256K1', 'kms:KeyUsage': 'SIGN_VERIFY' },
      'ForAllValues:StringLike': { 'aws:TagKeys': ['carechain:*'] },
    });
  });

  it('are tagged only while created: never a key that already carries an organisation', () => {
    expect(statement('api', 'TagTenantKeysOnlyAtCreation').Condition).toEqual({
      Null: { 'aws:RequestTag/carechain:org': 'false', 'aws:ResourceTag/carechain:org': 'true' },
      'ForAllValues:StringLike': { 'aws:TagKeys': ['carechain:*'] },
    });
    expect(actionsOf(statementsOf('api'))).not.toContain('kms:UntagResource');
  });

  it('hash personal-data evidence only with the evidence key, only HMAC-SHA-256', () => {
    for (const name of ['api', 'gateway'] as const) {
      const mac = statement(name, 'HashEvidenceWithEvidenceKey');
      expect(mac.Action).toBe('kms:GenerateMac');
      expect(mac.Condition).toEqual({ StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } });
      expect(JSON.stringify(mac.Resource)).toContain('EvidenceKey');
    }
  });

  it('sign only digests, with ECDSA, with keys of an organisation', () => {
    const sign = statement('api', 'SignDigestsWithTenantKeys');
    expect(sign.Action).toBe('kms:Sign');
    expect(sign.Condition).toEqual({
      Null: { 'aws:ResourceTag/carechain:org': 'false' },
      StringEquals: {
        'kms:KeySpec': 'ECC_SECG_P256K1',
        'kms:SigningAlgorithm': 'ECDSA_SHA_256',
        'kms:MessageType': 'DIGEST',
      },
    });
  });

  it('are read, disabled, enabled and scheduled for deletion only when tagged with an organisation', () => {
    const retire = statement('api', 'ReadAndRetireTenantKeys');
    expect([retire.Action].flat().sort()).toEqual([
      'kms:DisableKey',
      'kms:EnableKey',
      'kms:GetPublicKey',
      'kms:ScheduleKeyDeletion',
    ]);
    expect(retire.Condition).toEqual({
      Null: { 'aws:ResourceTag/carechain:org': 'false' },
      StringEquals: { 'kms:KeySpec': 'ECC_SECG_P256K1' },
    });
  });

  it('never include the platform key, whatever its tags', () => {
    const deny = statement('api', 'NeverTouchPlatformKeys');
    expect(deny.Effect).toBe('Deny');
    expect(JSON.stringify(deny.Resource)).toMatch(/PlatformSigningKey/);
    expect([deny.Action].flat()).toEqual(
      expect.arrayContaining(['kms:Sign', 'kms:TagResource', 'kms:ScheduleKeyDeletion']),
    );
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

  it('are handled by the monitor and the reconciler, the fleet-control functions', () => {
    expect(fleetControl.map((spec) => spec.name).sort()).toEqual(['monitor', 'reconciler']);
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
