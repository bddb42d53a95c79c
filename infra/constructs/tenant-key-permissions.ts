/**
 * IAM for tenants' signing keys in KMS (attribute-based: a key belongs to the organisation in its
 * `carechain:org` tag). The key vault can only create secp256k1 signing keys that carry an organisation tag,
 * can only sign 32-byte digests with ECDSA, and can only use or retire keys that carry an organisation tag.
 * Tags can be set while a key is created and never changed afterwards, so a key cannot be moved to another
 * organisation. Keys named in `protectedKeyArns` (the platform key) are out of reach whatever their tags.
 *
 * Which organisation may use which key is decided by the application (it stores the key id under the
 * organisation and checks membership); these conditions bound what a bug or a stolen function credential
 * could do: no other key types, no raw-message signing, no key of the platform, no re-tagging.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { RESOURCE_TAG, RESOURCE_TAG_KEY_PATTERN } from './resource-tags.ts';

export const TENANT_KEY_SPEC = 'ECC_SECG_P256K1';

export interface TenantKeyPermissionsOptions {
  /** Keys of the platform itself that tenant-key permissions must never touch. */
  readonly protectedKeyArns: readonly string[];
}

/** Every KMS key of the account and region: tenant keys are created at run time. */
export function tenantKeysArn(scope: IConstruct): string {
  return Stack.of(scope).formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
}

export function tenantKeyStatements(scope: IConstruct, options: TenantKeyPermissionsOptions): iam.PolicyStatement[] {
  const keysInRegion = tenantKeysArn(scope);
  const requestTag = `aws:RequestTag/${RESOURCE_TAG.org}`;
  const resourceTag = `aws:ResourceTag/${RESOURCE_TAG.org}`;
  const onlyCareChainTagKeys = { 'ForAllValues:StringLike': { 'aws:TagKeys': [RESOURCE_TAG_KEY_PATTERN] } };
  const tenantKey = {
    Null: { [resourceTag]: 'false' },
    StringEquals: { 'kms:KeySpec': TENANT_KEY_SPEC },
  };

  return [
    new iam.PolicyStatement({
      sid: 'CreateTenantSigningKeys',
      actions: ['kms:CreateKey'],
      // CreateKey acts on no existing resource; the conditions are what limit it.
      resources: ['*'],
      conditions: {
        Null: { [requestTag]: 'false' },
        StringEquals: { 'kms:KeySpec': TENANT_KEY_SPEC, 'kms:KeyUsage': 'SIGN_VERIFY' },
        ...onlyCareChainTagKeys,
      },
    }),
    new iam.PolicyStatement({
      sid: 'TagTenantKeysOnlyAtCreation',
      actions: ['kms:TagResource'],
      // KMS authorises tags given to CreateKey against all keys of the account and region.
      resources: [keysInRegion],
      conditions: {
        // The request names an organisation, and the key does not carry one yet: true for a key being created,
        // never for a tenant key that exists.
        Null: { [requestTag]: 'false', [resourceTag]: 'true' },
        ...onlyCareChainTagKeys,
      },
    }),
    new iam.PolicyStatement({
      sid: 'SignDigestsWithTenantKeys',
      actions: ['kms:Sign'],
      resources: [keysInRegion],
      conditions: {
        Null: { [resourceTag]: 'false' },
        StringEquals: {
          'kms:KeySpec': TENANT_KEY_SPEC,
          'kms:SigningAlgorithm': 'ECDSA_SHA_256',
          'kms:MessageType': 'DIGEST',
        },
      },
    }),
    new iam.PolicyStatement({
      sid: 'ReadAndRetireTenantKeys',
      actions: ['kms:GetPublicKey', 'kms:DisableKey', 'kms:EnableKey', 'kms:ScheduleKeyDeletion'],
      resources: [keysInRegion],
      conditions: tenantKey,
    }),
    new iam.PolicyStatement({
      sid: 'NeverTouchPlatformKeys',
      effect: iam.Effect.DENY,
      actions: [
        'kms:Sign',
        'kms:TagResource',
        'kms:UntagResource',
        'kms:DisableKey',
        'kms:EnableKey',
        'kms:ScheduleKeyDeletion',
      ],
      resources: [...options.protectedKeyArns],
    }),
  ];
}
