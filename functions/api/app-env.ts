/**
 * Per-request context shared by middleware and routes: the request id, the logger and who is calling. Route guards
 * (functions/api/access.ts) add what they established (`access`, `user`) through their own middleware types.
 */
import type { Principal } from '../../shared/domain/organisation.ts';
import type { Logger } from '../../shared/observability/logger.ts';

export type { Principal } from '../../shared/domain/organisation.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    principal: Principal | undefined;
  };
}
