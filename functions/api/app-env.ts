/**
 * Per-request context shared by middleware and routes: the request id, the logger and who is calling.
 */
import type { ApiKey, User } from '../../shared/domain/organisation.ts';
import type { Logger } from '../../shared/observability/logger.ts';

export type Principal =
  | { readonly kind: 'user'; readonly user: User; readonly sessionHash: string | undefined }
  | { readonly kind: 'api_key'; readonly apiKey: ApiKey };

export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    principal: Principal | undefined;
  };
}
