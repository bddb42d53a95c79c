/**
 * The control-plane API as one Hono app: `createApp(deps)` is served unchanged by the Lambda handler and by the
 * local server. Middleware order: request id and access log, body limit, authentication, then the routes.
 * Every error leaves through `onError` as problem+json.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import {
  AppError,
  BadRequestError,
  InternalError,
  NotFoundError,
  PayloadTooLargeError,
  TenantAccessDeniedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../shared/errors.ts';
// Field errors in plain words for every route (zod's global error map; a schema's own message still wins).
import '../../shared/schemas/plain-messages.ts';
import { NetworkFleet } from '../services/fleet/network-fleet.ts';
import type { AppDeps } from './app-deps.ts';
import type { AppEnv } from './app-env.ts';
import { registerDocs } from './docs.ts';
import { authentication } from './middleware/authentication.ts';
import { requestContext } from './middleware/request-context.ts';
import { fieldErrors, problemResponse } from './problem.ts';
import { registerApiKeyRoutes } from './routes/api-keys.routes.ts';
import { registerAuditRoutes } from './routes/audit.routes.ts';
import { registerAuthRoutes } from './routes/auth.routes.ts';
import { registerBackupRoutes } from './routes/backups.routes.ts';
import { registerBillingRoutes } from './routes/billing.routes.ts';
import { registerConsentRoutes } from './routes/consents.routes.ts';
import { registerDataProtectionRoutes } from './routes/data-protection.routes.ts';
import { registerDataProtectionOpsRoutes } from './routes/data-protection-ops.routes.ts';
import { registerDidRoutes } from './routes/dids.routes.ts';
import { registerGovernanceRoutes } from './routes/governance.routes.ts';
import { registerHealthRoutes } from './routes/health.routes.ts';
import { registerLiveTicketRoutes } from './routes/live-ticket.routes.ts';
import { registerMaintenanceRoutes } from './routes/maintenance.routes.ts';
import { registerMemberRoutes } from './routes/members.routes.ts';
import { registerMetricsRoute } from './routes/metrics.routes.ts';
import { registerNetworkHealthRoutes } from './routes/network-health.routes.ts';
import { registerNetworkRoutes } from './routes/networks.routes.ts';
import { registerNodeHealthRoutes } from './routes/node-health.routes.ts';
import { registerNodeRoutes } from './routes/nodes.routes.ts';
import { registerOrganisationRoutes } from './routes/organisations.routes.ts';
import { registerSigningKeyRoutes } from './routes/signing-keys.routes.ts';
import { registerUpgradeRoutes } from './routes/upgrades.routes.ts';
import { registerUsageRoutes } from './routes/usage.routes.ts';
import { registerWebhookRoutes } from './routes/webhooks.routes.ts';

export type App = OpenAPIHono<AppEnv>;

export function createApp(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ValidationError(
          result.target === 'json'
            ? 'Some of what was entered needs correcting: see each field’s message'
            : `Some ${result.target} values need correcting: see each one’s message`,
          fieldErrors(result.error, result.target === 'json' ? 'body' : result.target),
        );
      }
    },
  });

  if (deps.metrics?.http) app.use(deps.metrics.http('api'));
  app.use(requestContext(deps.logger));
  app.use(
    bodyLimit({
      maxSize: deps.config.bodyLimitBytes,
      onError: () => {
        throw new PayloadTooLargeError(`Bodies are limited to ${deps.config.bodyLimitBytes} bytes`);
      },
    }),
  );
  app.use(authentication(deps));
  app.use('/v1/orgs/:orgId/*', async (c, next) => {
    await next();
    // Metered only when answered with success: refusals (another organisation's id, bad input) cost nobody.
    if (c.res.status < 300) deps.usage?.record(c.req.param('orgId'), 'api_requests', 1);
  });

  app.onError((error, c) => {
    if (error instanceof TenantAccessDeniedError) {
      // A check above the tenant boundary let through what the boundary refused: a bug, or someone probing one.
      c.get('logger')?.warn('refused by the tenant boundary', { error, path: c.req.path });
    }
    if (error instanceof AppError) return problemResponse(c, error);
    if (error instanceof HTTPException) return problemResponse(c, fromHttpException(error));
    c.get('logger')?.error('unhandled error', { error, path: c.req.path });
    return problemResponse(c, new InternalError('Something went wrong on our side; the request id identifies it'));
  });
  app.notFound((c) => problemResponse(c, new NotFoundError(`No route for ${c.req.method} ${c.req.path}`)));

  registerHealthRoutes(app, deps);
  if (deps.metrics) registerMetricsRoute(app, deps, deps.metrics);
  registerAuthRoutes(app, deps);
  registerOrganisationRoutes(app, deps);
  registerMemberRoutes(app, deps);
  registerApiKeyRoutes(app, deps);
  registerAuditRoutes(app, deps);
  registerNetworkRoutes(app, deps);
  registerNodeRoutes(app, deps);
  // Without a fleet (an API with no node runtimes) the operations find no node the platform runs.
  const fleet = deps.fleet ?? new NetworkFleet({ stores: deps.stores, providers: {} });
  registerNetworkHealthRoutes(app, deps, fleet);
  registerUpgradeRoutes(app, deps, fleet);
  registerBackupRoutes(app, deps);
  registerLiveTicketRoutes(app, deps);
  if (deps.health) {
    registerNodeHealthRoutes(app, deps, deps.health);
    registerMaintenanceRoutes(app, deps, deps.health.health);
  }
  registerSigningKeyRoutes(app, deps);
  registerDataProtectionRoutes(app, deps);
  registerDataProtectionOpsRoutes(app, deps);
  registerGovernanceRoutes(app, deps);
  registerConsentRoutes(app, deps);
  registerDidRoutes(app, deps);
  registerUsageRoutes(app, deps);
  registerBillingRoutes(app, deps);
  if (deps.webhookDelivery) registerWebhookRoutes(app, deps, deps.webhookDelivery);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A session token from /v1/auth/login, or an API key (cck_…)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'cookie', {
    type: 'apiKey',
    in: 'cookie',
    name: 'carechain_session',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
  });
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'CareChain BaaS API',
      version: deps.version ?? 'dev',
      description:
        'Control plane of the CareChain consortium network: organisations, nodes, signing keys, usage, billing, SLA, ' +
        'governance, and patients’ consents with the access log. Errors are RFC 9457 problem+json.',
    },
  });
  registerDocs(app, deps.docsAssetsDir);
  return app;
}

/** Hono raises HTTPException for malformed JSON (400) and a missing or wrong content type (415). */
function fromHttpException(error: HTTPException): AppError {
  if (error.status === 415 || /content-type/i.test(error.message)) {
    return new UnsupportedMediaTypeError('Send the body as JSON with "Content-Type: application/json"');
  }
  if (error.status === 413) return new PayloadTooLargeError(error.message);
  if (error.status === 400) return new BadRequestError(`The body is not valid JSON: ${error.message}`);
  return new BadRequestError(error.message || 'Bad request');
}
