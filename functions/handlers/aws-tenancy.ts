/**
 * How AWS mode builds tenant scopes: the tenant role assumed through STS with the session tag
 * `carechain:org=<orgId>`, and on those credentials one KMS client (the organisation's keys) and one DynamoDB
 * client (its partition) per organisation, kept while the organisation is among the most recently active. The role
 * is the stack's `TenantRole` (CARECHAIN_TENANT_ROLE_ARN, given to the functions that may assume it); a function
 * without it has no tenant scope to offer and says which variable is missing when asked for one.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsKeyVault } from '../../shared/adapters/aws/kms-key-vault.ts';
import { StsTenantCredentials } from '../../shared/adapters/aws/sts-tenant-credentials.ts';
import { requireAwsSettings } from '../../shared/config/config.ts';
import type { OrganisationsRepository } from '../../shared/store/organisations.repository.ts';
import { createTenantStores } from '../../shared/store/stores.ts';
import { Table } from '../../shared/store/table.ts';
import { Tenancy, type TenantScope } from '../services/access/tenancy.ts';
import { type AwsCore, type AwsCredentialsProvider, stsClient } from './aws-core.ts';

export function awsTenancy(core: AwsCore, memberships: Pick<OrganisationsRepository, 'getMember'>): Tenancy {
  let credentials: StsTenantCredentials | undefined;
  const tenantCredentials = () => {
    const { tenantRoleArn } = requireAwsSettings(core.config, ['tenantRoleArn'], `the ${core.functionName} function`);
    credentials ??= new StsTenantCredentials(stsClient(core), { roleArn: tenantRoleArn, clock: core.clock });
    return credentials;
  };
  const { awsRegion: region, tableName } = core.config;
  const dynamodbFor =
    core.clients.tenantDynamodb ??
    ((provider: AwsCredentialsProvider) =>
      new DynamoDBClient({ region, credentials: provider, cacheMiddleware: true }));

  return new Tenancy({
    memberships,
    scopeOf: (orgId): TenantScope => {
      const provider = tenantCredentials().credentialsFor(orgId);
      const kms = new KMSClient({ region, credentials: provider });
      const dynamodb = dynamodbFor(provider);
      const table = new Table(dynamodb, tableName, core.clock, { scopedTo: orgId, recent: core.table.recent });
      return {
        orgId,
        vault: new KmsKeyVault(kms, { scopedTo: orgId }),
        stores: createTenantStores(table, core.clock),
        release: () => {
          kms.destroy();
          dynamodb.destroy();
        },
      };
    },
  });
}
