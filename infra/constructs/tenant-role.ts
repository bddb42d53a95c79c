/**
 * The tenant role: what the control plane holds while it acts for one member organisation. Functions with the
 * `tenant-sessions` capability assume it with the session tag `carechain:org=<orgId>` (and no other tag), and every
 * permission it has is bound to that tag, so IAM itself keeps one organisation's request to that organisation
 * (attribute-based access control, as in the AWS SaaS Lens):
 *
 * - KMS: create secp256k1 signing keys tagged with the session's own organisation only (`aws:RequestTag` bound to
 *   `${aws:PrincipalTag/carechain:org}`); sign digests, read public keys, disable, enable and schedule deletion only
 *   of keys whose `carechain:org` tag is the session's; never the platform key, whatever its tags.
 * - DynamoDB: item reads and writes on the table only where every partition key is `ORG#<the session's org>`
 *   (`dynamodb:LeadingKeys`); no index, no Scan.
 *
 * A session without the tag cannot be created, and would match nothing: every statement also requires it.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, type IConstruct } from 'constructs';
import { keys } from '../../shared/store/keys.ts';
import { wildcardResourceFinding } from './nag-finding-ids.ts';
import { RESOURCE_TAG, RESOURCE_TAG_KEY_PATTERN } from './resource-tags.ts';

export const TENANT_KEY_SPEC = 'ECC_SECG_P256K1';

/** The session's organisation, as IAM resolves it in a policy. */
export const SESSION_ORG = `\${aws:PrincipalTag/${RESOURCE_TAG.org}}`;

/** Member organisation ids (`org_` and 20 base32 characters); never `platform`. */
const MEMBER_ORG_PATTERN = 'org_*';

/**
 * What a tenant session may do with table items: the repositories' item calls (the functions' own roles have
 * these too, and `DescribeTable`); the tenant role has them on the table alone, never its indexes.
 */
export const TENANT_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

export interface TenantRoleProps {
  readonly table: dynamodb.ITable;
  /** Keys of the platform itself that tenant sessions must never touch. */
  readonly platformKey: kms.IKey;
}

/** Every KMS key of the account and region: tenant keys are created at run time. */
export function tenantKeysArn(scope: IConstruct): string {
  return Stack.of(scope).formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
}

/** A trust policy that starts empty: `TenantRole.trust` adds each function that may assume the role. */
class FunctionsTrustedLater extends iam.PrincipalBase implements iam.IAssumeRolePrincipal {
  override readonly policyFragment = new iam.PrincipalPolicyFragment({});

  override addToAssumeRolePolicy(_document: iam.PolicyDocument): void {}

  override dedupeString(): string | undefined {
    return undefined;
  }

  override toString(): string {
    return 'FunctionsTrustedLater';
  }
}

export class TenantRole extends Construct {
  readonly role: iam.Role;
  private trusted = 0;

  constructor(scope: Construct, id: string, props: TenantRoleProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new FunctionsTrustedLater(),
      description: 'CareChain tenant session: acts for the organisation in its carechain:org session tag only',
      inlinePolicies: { TenantIsolation: new iam.PolicyDocument({ statements: tenantStatements(this, props) }) },
    });
    const policy = this.role.node.defaultChild as IConstruct;
    Validations.of(policy).acknowledge({
      id: wildcardResourceFinding(this, tenantKeysArn(this)),
      reason:
        'Tenant keys are created at run time, so their ARNs are unknown here; every statement on key/* requires ' +
        "the key's carechain:org tag to equal the session's, and the platform key is explicitly denied.",
    });
    this.node.addValidation({
      validate: () =>
        this.trusted > 0 ? [] : ['The tenant role trusts no function: give one the tenant-sessions capability'],
    });
    Validations.of(policy).acknowledge({
      id: wildcardResourceFinding(this, '*'),
      reason:
        "kms:CreateKey has no resource to name; it is allowed only for ECC_SECG_P256K1 SIGN_VERIFY keys tagged with the session's own organisation.",
    });
  }

  /**
   * Lets `role` assume this role tagged with one member organisation and nothing else, and gives `role` the
   * permission to do so.
   */
  trust(role: iam.IRole): void {
    this.trusted++;
    const tagged = {
      StringLike: { [`aws:RequestTag/${RESOURCE_TAG.org}`]: MEMBER_ORG_PATTERN },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [RESOURCE_TAG.org] },
    };
    this.role.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        principals: [new iam.ArnPrincipal(role.roleArn)],
        conditions: tagged,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeTenantRoleForOneOrganisation',
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: [this.role.roleArn],
        conditions: tagged,
      }),
    );
  }
}

function tenantStatements(scope: IConstruct, props: TenantRoleProps): iam.PolicyStatement[] {
  const keysInRegion = tenantKeysArn(scope);
  const requestTag = `aws:RequestTag/${RESOURCE_TAG.org}`;
  const resourceTag = `aws:ResourceTag/${RESOURCE_TAG.org}`;
  const sessionTagged = { [`aws:PrincipalTag/${RESOURCE_TAG.org}`]: 'false' };
  const onlyCareChainTagKeys = { 'ForAllValues:StringLike': { 'aws:TagKeys': [RESOURCE_TAG_KEY_PATTERN] } };

  return [
    new iam.PolicyStatement({
      sid: 'CreateKeysOfOwnOrganisation',
      actions: ['kms:CreateKey'],
      // CreateKey acts on no existing resource; the conditions are what limit it.
      resources: ['*'],
      conditions: {
        Null: sessionTagged,
        StringEquals: { [requestTag]: SESSION_ORG, 'kms:KeySpec': TENANT_KEY_SPEC, 'kms:KeyUsage': 'SIGN_VERIFY' },
        ...onlyCareChainTagKeys,
      },
    }),
    new iam.PolicyStatement({
      sid: 'TagOwnKeysOnlyAtCreation',
      actions: ['kms:TagResource'],
      // KMS authorises the tags given to CreateKey against all keys of the account and region.
      resources: [keysInRegion],
      conditions: {
        // The key carries no organisation yet (true while it is created, never for a tenant key that exists).
        Null: { ...sessionTagged, [resourceTag]: 'true' },
        StringEquals: { [requestTag]: SESSION_ORG },
        ...onlyCareChainTagKeys,
      },
    }),
    new iam.PolicyStatement({
      sid: 'SignDigestsWithOwnKeys',
      actions: ['kms:Sign'],
      resources: [keysInRegion],
      conditions: {
        Null: sessionTagged,
        StringEquals: {
          [resourceTag]: SESSION_ORG,
          'kms:KeySpec': TENANT_KEY_SPEC,
          'kms:SigningAlgorithm': 'ECDSA_SHA_256',
          'kms:MessageType': 'DIGEST',
        },
      },
    }),
    new iam.PolicyStatement({
      sid: 'ReadAndRetireOwnKeys',
      actions: ['kms:GetPublicKey', 'kms:DisableKey', 'kms:EnableKey', 'kms:ScheduleKeyDeletion'],
      resources: [keysInRegion],
      conditions: {
        Null: sessionTagged,
        StringEquals: { [resourceTag]: SESSION_ORG, 'kms:KeySpec': TENANT_KEY_SPEC },
      },
    }),
    new iam.PolicyStatement({
      sid: 'NeverThePlatformKey',
      effect: iam.Effect.DENY,
      actions: ['kms:*'],
      resources: [props.platformKey.keyArn],
    }),
    new iam.PolicyStatement({
      sid: 'ItemsOfOwnOrganisation',
      actions: TENANT_TABLE_ACTIONS,
      // The table only: its indexes hold other partitions (a network's nodes, API-key hashes, the fleet).
      resources: [props.table.tableArn],
      conditions: {
        Null: sessionTagged,
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [keys.org(SESSION_ORG).pk] },
      },
    }),
  ];
}
