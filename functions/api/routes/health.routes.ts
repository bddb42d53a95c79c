/**
 * Liveness of the control plane itself, and whether billing can take payment. The control plane is up whatever
 * billing says (status stays `ok`): a Stripe catalogue that is not set up stops payments, not the platform, and
 * `billing` names what is missing and the command that fixes it. Nothing secret is shown: key mode, not key.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { jsonResponse } from '../route-helpers.ts';

const BillingHealth = z
  .object({
    enabled: z.boolean(),
    mode: z.enum(['test', 'live']).optional(),
    ready: z.boolean().optional().describe('Every Stripe price (by lookup key) and meter billing needs exists'),
    missing: z.array(z.string()).optional().describe('`price <lookup key>` and `meter <event name>` entries'),
    conflicts: z.array(z.string()).optional(),
    pendingChanges: z.number().int().optional().describe('Changes a catalogue sync would make'),
    fix: z.string().optional().describe('What an operator runs to set the catalogue up'),
    error: z.string().optional(),
    checkedAt: z.string().optional(),
  })
  .openapi('BillingHealth');

const Health = z
  .object({
    status: z.literal('ok'),
    mode: z.enum(['local', 'aws']),
    version: z.string(),
    time: z.string(),
    billing: BillingHealth,
  })
  .openapi('Health');

export type HealthRouteDeps = RouteDeps<'config' | 'version' | 'clock' | 'billing' | 'billingReadiness'>;

export function registerHealthRoutes(app: OpenAPIHono<AppEnv>, deps: HealthRouteDeps) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      tags: ['platform'],
      summary: 'Control-plane liveness and billing readiness',
      responses: { 200: jsonResponse(Health, 'The control plane is up') },
    }),
    async (c) =>
      c.json(
        {
          status: 'ok' as const,
          mode: deps.config.mode,
          version: deps.version ?? 'dev',
          time: deps.clock().toISOString(),
          billing: await billingHealth(deps),
        },
        200,
      ),
  );
}

async function billingHealth(deps: HealthRouteDeps): Promise<z.infer<typeof BillingHealth>> {
  if (!deps.billingReadiness) return { enabled: deps.billing.billing.enabled };
  const { missing, conflicts, ...report } = await deps.billingReadiness.current();
  return { ...report, ...(missing && { missing: [...missing] }), ...(conflicts && { conflicts: [...conflicts] }) };
}
