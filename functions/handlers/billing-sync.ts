/**
 * Lambda an operator invokes to sync the Stripe catalogue in AWS: `npm run billing:sync` with the keys from the
 * stack's Stripe secret. No schedule and no route: it runs when an operator asks.
 *
 *   aws lambda invoke --function-name <BillingSyncFunctionName> --cli-binary-format raw-in-base64-out \
 *     --payload '{"dryRun":true}' plan.json
 *
 * The answer lists the changes (and, after a run, what was done). A live-mode key changes nothing unless the
 * payload says `"confirmLive": true`, the counterpart of typing `live` on a terminal.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { withStripeSecrets } from '../../shared/adapters/aws/secrets-manager-stripe-keys.ts';
import { StripeBillingCatalogue } from '../../shared/adapters/stripe/stripe-billing-catalogue.ts';
import { loadConfig } from '../../shared/config/config.ts';
import { type ChangeRow, describeChange } from '../../shared/domain/billing-catalogue-plan.ts';
import { ValidationError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { applyCatalogueSync, planCatalogueSync } from '../services/billing/billing-catalogue-sync.ts';
import { changeTable } from '../services/billing/catalogue-change-table.ts';

const BillingSyncRequest = z
  .strictObject({
    /** Plan and answer; write nothing. */
    dryRun: z.boolean().default(false),
    /** Required to write with a live-mode key. */
    confirmLive: z.boolean().default(false),
  })
  .default({ dryRun: false, confirmLive: false });

export type BillingSyncOutcome =
  | { readonly status: 'billing-off'; readonly message: string }
  | {
      readonly status: 'up-to-date' | 'planned' | 'conflicts' | 'confirmation-needed' | 'applied';
      readonly mode: 'test' | 'live';
      readonly changes: readonly ChangeRow[];
      readonly conflicts: readonly string[];
      readonly message: string;
    };

export interface BillingSyncHandlerOptions {
  /** @default process.env */
  readonly env?: Record<string, string | undefined>;
  readonly secretsManager?: SecretsManagerClient;
}

export function createBillingSyncHandler(options: BillingSyncHandlerOptions = {}) {
  return async (event: unknown): Promise<BillingSyncOutcome> => {
    const request = BillingSyncRequest.safeParse(event ?? undefined);
    if (!request.success) {
      throw new ValidationError('The payload is {"dryRun"?: boolean, "confirmLive"?: boolean}');
    }
    const base = loadConfig(options.env ?? process.env);
    const logger = createLogger({ level: base.logLevel, base: { mode: 'aws', function: 'billing-sync' } });
    const config = base.aws.stripeSecretArn
      ? await withStripeSecrets(base, options.secretsManager ?? new SecretsManagerClient({ region: base.awsRegion }))
      : base;
    const { secretKey, host, port, protocol } = config.stripe;
    if (!secretKey) {
      return {
        status: 'billing-off',
        message:
          'The Stripe secret holds no STRIPE_SECRET_KEY: store the keys in it first (README, "Switching billing on")',
      };
    }
    const catalogue = new StripeBillingCatalogue({ secretKey, host, port, protocol });
    const plan = await planCatalogueSync(catalogue);
    const changes = plan.changes.map(describeChange);
    const conflicts = plan.conflicts.map((conflict) => `${conflict.subject}: ${conflict.reason}`);
    const answer = (status: Exclude<BillingSyncOutcome['status'], 'billing-off'>, message: string) => {
      logger.info(`billing sync: ${status}`, { mode: plan.mode, changes: changes.length, conflicts, message });
      return { status, mode: plan.mode, changes, conflicts, message };
    };
    if (changes.length > 0) logger.info(`billing sync plan (Stripe ${plan.mode} mode)\n${changeTable(changes)}`);
    if (conflicts.length > 0) return answer('conflicts', 'Nothing was written: settle the conflicts in Stripe first');
    if (changes.length === 0) return answer('up-to-date', 'Stripe already holds the catalogue: nothing to change');
    if (request.data.dryRun) return answer('planned', 'Dry run: nothing was written');
    if (plan.mode === 'live' && !request.data.confirmLive) {
      return answer(
        'confirmation-needed',
        'This is a LIVE Stripe account: invoke again with {"confirmLive": true} to make these changes',
      );
    }
    await applyCatalogueSync(catalogue, plan, (row) => logger.info('billing sync change made', { ...row }));
    return answer('applied', `Made ${changes.length} change(s)`);
  };
}

export const handler = createBillingSyncHandler();
