/**
 * What the API needs from the outside world. Handlers and the local runtime build it from real adapters;
 * tests build it from real local adapters too. The app never constructs an adapter itself.
 */
import type { Config } from '../../shared/config/config.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import type { ApiKeysRepository } from '../../shared/store/api-keys.repository.ts';
import type { AuditRepository } from '../../shared/store/audit.repository.ts';
import type { InvitationsRepository } from '../../shared/store/invitations.repository.ts';
import type { OrganisationsRepository } from '../../shared/store/organisations.repository.ts';
import type { UsersRepository } from '../../shared/store/users.repository.ts';

export interface Stores {
  readonly users: UsersRepository;
  readonly organisations: OrganisationsRepository;
  readonly apiKeys: ApiKeysRepository;
  readonly invitations: InvitationsRepository;
  readonly audit: AuditRepository;
}

export interface AppDeps {
  readonly config: Pick<Config, 'mode' | 'bodyLimitBytes' | 'sessionTtlHours' | 'publicUrl'>;
  readonly stores: Stores;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** Folder with swagger-ui-dist's files, served at /docs/assets; without it /docs links the OpenAPI JSON only. */
  readonly docsAssetsDir?: string;
  readonly version?: string;
}
