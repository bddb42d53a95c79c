/**
 * Whether billing can work: with billing on, every lookup key Checkout and seat changes use has an active price,
 * and every meter event name the hourly job sends has an active meter. Checked at start and shown by `GET /health`,
 * naming what is missing and the command that fixes it, so an operator learns it before the first checkout fails.
 *
 * A missing catalogue does not stop the control plane: everything but paying works, and the fix needs no restart.
 * Results are kept for a while (long when ready, short when not), so however often health is asked, Stripe is
 * read at most once per period, and a sync shows within the short period.
 */
import { desiredCatalogue } from '../../../shared/domain/billing-catalogue.ts';
import type { Logger } from '../../../shared/observability/logger.ts';
import type { BillingCatalogue } from '../../../shared/ports/billing-catalogue.ts';
import { planCatalogueSync } from './billing-catalogue-sync.ts';

export interface BillingReadinessReport {
  readonly enabled: boolean;
  /** Present with billing on. */
  readonly mode?: 'test' | 'live';
  readonly ready?: boolean;
  /** `price <lookup key>` and `meter <event name>` entries billing cannot work without. */
  readonly missing?: readonly string[];
  /** Settings only an operator can change (a meter that aggregates otherwise, say). */
  readonly conflicts?: readonly string[];
  /** Changes a sync would make beyond the missing items (a price that differs from the plans, say). */
  readonly pendingChanges?: number;
  /** What to run when not ready. */
  readonly fix?: string;
  /** Why the check itself failed (Stripe unreachable, key refused); never carries a key. */
  readonly error?: string;
  readonly checkedAt?: string;
}

export interface BillingReadinessOptions {
  /** The provider's catalogue; undefined with billing off. */
  readonly catalogue: BillingCatalogue | undefined;
  /** The command an operator runs here to sync (local: `npm run billing:sync`; AWS: invoke the function). */
  readonly fix: string;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** How long a ready result is kept. @default 600000 (10 minutes) */
  readonly readyMaxAgeMs?: number;
  /** How long a not-ready result is kept. @default 30000 */
  readonly notReadyMaxAgeMs?: number;
}

export class BillingReadiness {
  private last: { report: BillingReadinessReport; at: number } | undefined;
  private checking: Promise<BillingReadinessReport> | undefined;

  constructor(private readonly options: BillingReadinessOptions) {}

  /** The last result while it is fresh, else a new check (concurrent callers share one). */
  async current(): Promise<BillingReadinessReport> {
    const last = this.last;
    if (last) {
      const maxAge = last.report.ready
        ? (this.options.readyMaxAgeMs ?? 600_000)
        : (this.options.notReadyMaxAgeMs ?? 30_000);
      if (this.options.clock().getTime() - last.at < maxAge) return last.report;
    }
    return this.check();
  }

  /** Reads the provider's catalogue now. Never throws: a failed check is a report that says why. */
  check(): Promise<BillingReadinessReport> {
    this.checking ??= this.run().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async run(): Promise<BillingReadinessReport> {
    const { catalogue, clock, fix } = this.options;
    if (!catalogue) return { enabled: false };
    const checkedAt = clock();
    let report: BillingReadinessReport;
    try {
      const plan = await planCatalogueSync(catalogue, desiredCatalogue());
      const conflicts = plan.conflicts.map((conflict) => `${conflict.subject}: ${conflict.reason}`);
      const ready = plan.missing.length === 0 && conflicts.length === 0;
      report = {
        enabled: true,
        mode: catalogue.mode,
        ready,
        missing: plan.missing,
        ...(conflicts.length > 0 && { conflicts }),
        pendingChanges: plan.changes.length,
        ...((!ready || plan.changes.length > 0) && { fix }),
        checkedAt: checkedAt.toISOString(),
      };
    } catch (error) {
      report = {
        enabled: true,
        mode: catalogue.mode,
        ready: false,
        error: error instanceof Error ? error.message : 'the check failed',
        fix: 'Check STRIPE_SECRET_KEY and that Stripe can be reached',
        checkedAt: checkedAt.toISOString(),
      };
    }
    this.logChange(report);
    this.last = { report, at: checkedAt.getTime() };
    return report;
  }

  /** Logs when readiness changes, not on every check, so a health poller does not flood the log. */
  private logChange(report: BillingReadinessReport): void {
    const before = this.last?.report;
    const same =
      before?.ready === report.ready &&
      before?.error === report.error &&
      before?.missing?.length === report.missing?.length &&
      before?.pendingChanges === report.pendingChanges;
    if (same) return;
    const { logger } = this.options;
    if (report.ready && !report.fix) {
      logger.info('billing catalogue ready', { mode: report.mode });
    } else if (report.ready) {
      logger.warn('billing catalogue usable but differs from the plans', {
        mode: report.mode,
        pendingChanges: report.pendingChanges,
        fix: report.fix,
      });
    } else {
      logger.warn('billing is on but cannot take payment until the Stripe catalogue is synced', {
        mode: report.mode,
        missing: report.missing,
        conflicts: report.conflicts,
        error: report.error,
        fix: report.fix,
      });
    }
  }
}

/** Banner lines for `npm start`. */
export function describeReadiness(report: BillingReadinessReport | undefined): string {
  if (!report) return 'Stripe did not answer in time; GET /health shows the check when it completes';
  if (!report.enabled) return 'off (set STRIPE_SECRET_KEY to take payment through Stripe)';
  const mode = `Stripe ${report.mode} mode`;
  if (report.error) return `${mode}, not ready: ${report.error}. ${report.fix ?? ''}`.trim();
  if (!report.ready) {
    const missing = report.missing ?? [];
    const conflicts = report.conflicts ?? [];
    const parts = [
      missing.length > 0 && `${missing.length} missing (${summarise(missing)})`,
      conflicts.length > 0 && `${conflicts.length} conflict(s): ${conflicts.join('; ')}`,
    ].filter(Boolean);
    return `${mode}, NOT READY: ${parts.join(', ')}. Fix: ${report.fix}`;
  }
  if (report.pendingChanges) return `${mode}, ready; ${report.pendingChanges} change(s) pending. Run: ${report.fix}`;
  return `${mode}, catalogue ready`;
}

function summarise(items: readonly string[]): string {
  const shown = items.slice(0, 3).join(', ');
  return items.length > 3 ? `${shown} and ${items.length - 3} more` : shown;
}
