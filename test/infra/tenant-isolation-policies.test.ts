/**
 * Tenant isolation as IAM decides it, evaluated offline on the synthesised policies: for every action a tenant
 * session performs for the API (KMS key operations, table item operations), a session tagged with organisation A
 * is allowed on A's key or partition and refused on B's, refused on the platform key, and a session without the
 * tag is refused everything. The trust policy lets only the control plane's functions open such a session, tagged
 * with one member organisation and nothing else; and the functions' own roles cannot use a tenant key at all.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from './carechain-test-app.ts';
import {
  ACCOUNT,
  type Decision,
  DeployedTemplate,
  decide,
  defaultKeyPolicy,
  REGION,
  type SimulatedRequest,
} from './policy-simulation.ts';

const ORG_A = 'org_aaaaaaaaaaaaaaaaaaaa';
const ORG_B = 'org_bbbbbbbbbbbbbbbbbbbb';
const TAG = 'carechain:org';
const TENANT_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

let deployed: DeployedTemplate;
let tenantRoleId: string;
let tableArn: string;
let platformKeyArn: string;

beforeAll(() => {
  deployed = new DeployedTemplate(buildTestApp().controlPlaneTemplate);
  tenantRoleId = deployed.logicalId('AWS::IAM::Role', 'TenantRole');
  tableArn = deployed.arnOf(deployed.logicalId('AWS::DynamoDB::Table', 'DataTable'));
  platformKeyArn = deployed.arnOf(deployed.logicalId('AWS::KMS::Key', 'PlatformSigningKey'));
});

/** Who makes a request: a tenant session tagged with an organisation, or one without the tag. */
type Session = { readonly org: string | undefined };
const sessionOf = (org: string | undefined): Session => ({ org });

/** One action the API performs in a tenant session, on a resource owned by `owner`. */
interface TenantAction {
  readonly operation: string;
  readonly action: string;
  request(session: Session, owner: string): Omit<SimulatedRequest, 'principal' | 'identityPolicies'>;
}

const keyOf = (owner: string) => ({
  'aws:ResourceTag/carechain:org': owner,
  'kms:KeySpec': 'ECC_SECG_P256K1',
});
const onKey = (operation: string, action: string, extra: Record<string, string> = {}): TenantAction => ({
  operation,
  action,
  request: (_session, owner) => ({
    action,
    resource: TENANT_KEY,
    context: { ...keyOf(owner), ...extra },
    resourcePolicy: defaultKeyPolicy(),
  }),
});
const onItems = (operation: string, action: string): TenantAction => ({
  operation,
  action,
  request: (_session, owner) => ({ action, resource: tableArn, context: { 'dynamodb:LeadingKeys': [`ORG#${owner}`] } }),
});

/** Every tenant action of the API, with what its request carries. */
const TENANT_ACTIONS: TenantAction[] = [
  {
    operation: 'create a signing key (POST …/keys)',
    action: 'kms:CreateKey',
    request: (_session, owner) => ({
      action: 'kms:CreateKey',
      resource: '*',
      context: {
        'aws:RequestTag/carechain:org': owner,
        'aws:TagKeys': [TAG, 'carechain:alias'],
        'kms:KeySpec': 'ECC_SECG_P256K1',
        'kms:KeyUsage': 'SIGN_VERIFY',
      },
    }),
  },
  {
    operation: 'tag the key being created',
    action: 'kms:TagResource',
    request: (_session, owner) => ({
      action: 'kms:TagResource',
      resource: TENANT_KEY,
      context: { 'aws:RequestTag/carechain:org': owner, 'aws:TagKeys': [TAG, 'carechain:alias'] },
      resourcePolicy: defaultKeyPolicy(),
    }),
  },
  onKey('sign a message, typed data or a transaction', 'kms:Sign', {
    'kms:SigningAlgorithm': 'ECDSA_SHA_256',
    'kms:MessageType': 'DIGEST',
  }),
  onKey("read a key's public key", 'kms:GetPublicKey'),
  onKey('disable a key (…/disable, offboarding)', 'kms:DisableKey'),
  onKey('enable a key (…/enable)', 'kms:EnableKey'),
  onKey('schedule a key’s deletion (DELETE …/keys/{keyId})', 'kms:ScheduleKeyDeletion'),
  onItems('read a key, node or API key record', 'dynamodb:GetItem'),
  onItems('read records in a batch', 'dynamodb:BatchGetItem'),
  onItems('list keys, nodes, API keys, audit entries, usage', 'dynamodb:Query'),
  onItems('record a key, node, API key, audit entry', 'dynamodb:PutItem'),
  onItems('change a key, node or API key', 'dynamodb:UpdateItem'),
  onItems('delete a record', 'dynamodb:DeleteItem'),
  onItems('write records in a batch', 'dynamodb:BatchWriteItem'),
  onItems('check a condition on a record', 'dynamodb:ConditionCheckItem'),
];

function asTenant(session: Session, request: Omit<SimulatedRequest, 'principal' | 'identityPolicies'>) {
  return decide({
    ...request,
    principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${tenantRoleId}/carechain-${session.org ?? 'untagged'}`,
    identityPolicies: deployed.identityPoliciesOf(tenantRoleId),
    context: { ...request.context, ...(session.org && { 'aws:PrincipalTag/carechain:org': session.org }) },
  });
}

describe('a tenant session, for every tenant action of the API', () => {
  it('covers every permission the tenant role has', () => {
    const granted = deployed
      .identityPoliciesOf(tenantRoleId)
      .flatMap(({ policy }) => policy.Statement)
      .filter((statement: { Effect: string }) => statement.Effect === 'Allow')
      .flatMap((statement: { Action: string | string[] }) => [statement.Action].flat());
    expect([...new Set(granted)].sort()).toEqual(TENANT_ACTIONS.map((a) => a.action).sort());
  });

  describe.each(TENANT_ACTIONS.map((action) => [action.operation, action] as const))('%s', (_operation, action) => {
    const cases: [string, Decision, Session, string][] = [
      ["a session tagged with A, on A's", 'Allowed', sessionOf(ORG_A), ORG_A],
      ["a session tagged with A, on B's", 'ImplicitlyDenied', sessionOf(ORG_A), ORG_B],
      ["a session tagged with B, on A's", 'ImplicitlyDenied', sessionOf(ORG_B), ORG_A],
      ["a session without the tag, on A's", 'ImplicitlyDenied', sessionOf(undefined), ORG_A],
    ];
    it.each(cases)('%s: %s', async (_label, expected, session, owner) => {
      expect(await asTenant(session, action.request(session, owner))).toBe(expected);
    });
  });
});

describe('the platform key', () => {
  const platformActions = TENANT_ACTIONS.filter((a) => a.action.startsWith('kms:') && a.action !== 'kms:CreateKey');

  it.each(platformActions.map((a) => [a.operation, a] as const))(
    'is out of reach of a tenant session, even tagged as its organisation: %s',
    async (_operation, action) => {
      const request = action.request(sessionOf(ORG_A), ORG_A);
      const decision = await asTenant(sessionOf(ORG_A), {
        ...request,
        resource: platformKeyArn,
        resourcePolicy: deployed.keyPolicyOf(deployed.logicalId('AWS::KMS::Key', 'PlatformSigningKey')),
      });
      expect(decision).toBe('ExplicitlyDenied');
    },
  );
});

describe('the table, beyond one partition', () => {
  it.each([
    ['an index (a network’s nodes, API-key hashes, the fleet)', `/index/gsi1`, [`ORG#${ORG_A}`]],
    ['the partitions of two organisations at once', '', [`ORG#${ORG_A}`, `ORG#${ORG_B}`]],
    ['a partition that is not an organisation’s (users, sessions, networks)', '', ['USER#usr_x']],
  ])('is refused to a tenant session: %s', async (_label, suffix, leadingKeys) => {
    const decision = await asTenant(sessionOf(ORG_A), {
      action: 'dynamodb:Query',
      resource: `${tableArn}${suffix}`,
      context: { 'dynamodb:LeadingKeys': leadingKeys },
    });
    expect(decision).toBe('ImplicitlyDenied');
  });
});

describe('opening a tenant session (the trust policy)', () => {
  const assume = async (callerPrefix: string, tags: Record<string, string>) => {
    const callerRole = deployed.logicalId('AWS::IAM::Role', callerPrefix);
    const tagged = Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:RequestTag/${key}`, value]));
    const decisions: Decision[] = [];
    for (const action of ['sts:AssumeRole', 'sts:TagSession']) {
      decisions.push(
        await decide({
          // The function runs as a session of its role; the trust policy names the role.
          principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${callerRole}/carechain-function`,
          action,
          resource: deployed.arnOf(tenantRoleId),
          context: { ...tagged, 'aws:TagKeys': Object.keys(tags) },
          identityPolicies: deployed.identityPoliciesOf(callerRole),
          resourcePolicy: deployed.trustPolicyOf(tenantRoleId),
        }),
      );
    }
    return decisions.every((decision) => decision === 'Allowed') ? 'Allowed' : 'Denied';
  };

  it.each(['ApiRole', 'GovernanceRole'])(
    'lets the %s function open one tagged with a member organisation',
    async (role) => {
      expect(await assume(role, { [TAG]: ORG_A })).toBe('Allowed');
    },
  );

  it.each([
    ['without the organisation tag', 'ApiRole', {}],
    ['tagged with the platform', 'ApiRole', { [TAG]: 'platform' }],
    ['with another tag beside it', 'ApiRole', { [TAG]: ORG_A, 'carechain:stage': 'dev' }],
    ['by the gateway function', 'GatewayRole', { [TAG]: ORG_A }],
    ['by the reconciler function', 'ReconcilerRole', { [TAG]: ORG_A }],
  ])('refuses one %s', async (_label, role, tags) => {
    expect(await assume(role, tags)).toBe('Denied');
  });
});

describe("the functions' own roles", () => {
  it.each(['ApiRole', 'GovernanceRole', 'SlaRole'])(
    "cannot sign with a tenant key, not even one of an organisation: the %s function's",
    async (role) => {
      const roleId = deployed.logicalId('AWS::IAM::Role', role);
      const decision = await decide({
        principal: `arn:aws:iam::${ACCOUNT}:role/${roleId}`,
        action: 'kms:Sign',
        resource: TENANT_KEY,
        context: { ...keyOf(ORG_A), 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' },
        identityPolicies: deployed.identityPoliciesOf(roleId),
        resourcePolicy: defaultKeyPolicy(),
      });
      expect(decision).toBe('ImplicitlyDenied');
    },
  );
});
