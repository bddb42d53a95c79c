/**
 * How local mode builds tenant scopes, the counterpart of aws-tenancy.ts: sessions from `LocalTenantCredentials`,
 * and on them one organisation's view of the local vault (its keys only) and a client of the embedded database
 * that keeps to its partition, as IAM keeps a tenant session in AWS.
 */
import type { EmbeddedDynamoConnection } from '../../shared/adapters/local/dynalite-server.ts';
import type { LocalKeyVault } from '../../shared/adapters/local/local-key-vault.ts';
import { LocalTenantCredentials } from '../../shared/adapters/local/local-tenant-credentials.ts';
import { LocalTenantKeyVault } from '../../shared/adapters/local/local-tenant-key-vault.ts';
import { tenantTableClient } from '../../shared/adapters/local/local-tenant-table.ts';
import type { OrganisationsRepository } from '../../shared/store/organisations.repository.ts';
import type { RecentItems } from '../../shared/store/recent-items.ts';
import { createTenantStores } from '../../shared/store/stores.ts';
import { Table } from '../../shared/store/table.ts';
import { Tenancy } from '../services/access/tenancy.ts';

export interface LocalTenancyParts {
  /** The embedded database the table lives in. */
  readonly database: EmbeddedDynamoConnection;
  readonly tableName: string;
  readonly vault: LocalKeyVault;
  readonly memberships: Pick<OrganisationsRepository, 'getMember'>;
  readonly clock: () => Date;
  /** The recent items of the function's table, shared by the tenant tables. @default none */
  readonly recent?: RecentItems | undefined;
}

export function localTenancy(parts: LocalTenancyParts): Tenancy {
  const { clock } = parts;
  const credentials = new LocalTenantCredentials({ clock });
  return new Tenancy({
    memberships: parts.memberships,
    scopeOf: (orgId) => {
      const session = () => credentials.sessionFor(orgId);
      const client = tenantTableClient(parts.database, session, clock);
      const table = new Table(client, parts.tableName, clock, { scopedTo: orgId, recent: parts.recent });
      return {
        orgId,
        vault: new LocalTenantKeyVault(parts.vault, session, clock),
        stores: createTenantStores(table, clock),
        release: () => client.destroy(),
      };
    },
  });
}
