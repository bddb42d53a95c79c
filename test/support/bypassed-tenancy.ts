/**
 * Tenant scopes with the tenant layer taken away: every organisation's "scope" is the function's own vault and
 * table, as requests acted before scopes existed. Benches measure what the real scopes cost against it; tests use
 * it to show that a refusal they expect is the tenant layer's doing (with it bypassed, the request goes through).
 */
import type { AppDeps } from '../../functions/api/app-deps.ts';
import type { TenantScope } from '../../functions/services/access/tenancy.ts';
import type { KeyVault } from '../../shared/ports/key-vault.ts';
import { createTenantStores } from '../../shared/store/stores.ts';
import type { Table } from '../../shared/store/table.ts';

export function bypassedTenancy(vault: KeyVault, table: Table, clock: () => Date): AppDeps['tenancy'] {
  const stores = createTenantStores(table, clock);
  const scope = (orgId: string): TenantScope => ({ orgId, vault, stores });
  return { forCaller: async (_principal, orgId) => scope(orgId), forOrganisation: scope };
}
