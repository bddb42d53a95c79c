/**
 * Local stand-in for the monitor's and the SLA job's schedules: runs health cycles in this process, one at a time,
 * at a fixed rate (a cycle that overruns the interval is followed at once by the next, never overlapped), and the
 * daily SLA run (rollups, month-to-date and final reports) a minute after start and then once a day.
 */
import type { Logger } from '../../shared/observability/logger.ts';
import type { CycleReport, HealthMonitor } from '../jobs/health-monitor.ts';

export interface HealthWorkerOptions {
  /** Time between the starts of two cycles. @default 15_000 */
  readonly intervalMs?: number;
  readonly logger: Logger;
  /** Told after every cycle (tests and metrics). */
  readonly onCycle?: (report: CycleReport) => void;
  /** The daily SLA run (an `SlaReporter`); none when absent. */
  readonly slaReports?: { runDaily(): Promise<unknown> };
  /** @default 60_000 */
  readonly firstDailyRunAfterMs?: number;
}

const DAY_MS = 86_400_000;

export const DEFAULT_HEALTH_INTERVAL_MS = 15_000;

export function startHealthWorker(monitor: HealthMonitor, options: HealthWorkerOptions) {
  const intervalMs = options.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const tick = () => {
    timer = undefined;
    if (stopped) return;
    const started = Date.now();
    running = monitor
      .runCycle()
      .then(
        (report) => {
          if (report.unhealthy || report.errors || report.restarts || report.gaveUp) {
            options.logger.info('health cycle', { ...report });
          }
          options.onCycle?.(report);
        },
        (error: unknown) => options.logger.warn('health cycle failed; the next one retries', { error }),
      )
      .finally(() => {
        running = undefined;
        if (stopped) return;
        timer = setTimeout(tick, Math.max(0, intervalMs - (Date.now() - started)));
        timer.unref();
      });
  };
  tick();

  let daily: NodeJS.Timeout | undefined;
  let dailyRun: Promise<void> | undefined;
  const runDaily = () => {
    daily = undefined;
    if (stopped || !options.slaReports) return;
    dailyRun = options.slaReports
      .runDaily()
      .then(
        (result) => options.logger.info('daily SLA run finished', { result }),
        (error: unknown) => options.logger.warn('daily SLA run failed; it runs again tomorrow', { error }),
      )
      .finally(() => {
        dailyRun = undefined;
        if (stopped) return;
        daily = setTimeout(runDaily, DAY_MS);
        daily.unref();
      });
  };
  if (options.slaReports) {
    daily = setTimeout(runDaily, options.firstDailyRunAfterMs ?? 60_000);
    daily.unref();
  }

  return {
    intervalMs,
    /** Waits for the cycle under way, if any. */
    async idle() {
      await Promise.all([running, dailyRun]);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (daily) clearTimeout(daily);
      await Promise.all([running, dailyRun]);
    },
  };
}

export type HealthWorker = ReturnType<typeof startHealthWorker>;
