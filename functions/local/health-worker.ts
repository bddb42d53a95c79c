/**
 * Local stand-in for the monitor's schedule: runs health cycles in this process, one at a time, at a fixed rate
 * (a cycle that overruns the interval is followed at once by the next, never overlapped).
 */
import type { Logger } from '../../shared/observability/logger.ts';
import type { CycleReport, HealthMonitor } from '../jobs/health-monitor.ts';

export interface HealthWorkerOptions {
  /** Time between the starts of two cycles. @default 15_000 */
  readonly intervalMs?: number;
  readonly logger: Logger;
  /** Told after every cycle (tests and metrics). */
  readonly onCycle?: (report: CycleReport) => void;
}

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

  return {
    intervalMs,
    /** Waits for the cycle under way, if any. */
    async idle() {
      await running;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

export type HealthWorker = ReturnType<typeof startHealthWorker>;
