/**
 * Local stand-in for the governance schedule: runs a governance pass (deploy, watch, execute) every few seconds,
 * one at a time, in the control plane's process.
 */

import { type GovernancePassReport, runGovernancePass } from '../jobs/governance/governance-pass.ts';
import type { GovernanceJobDeps } from '../services/governance/governance-deps.ts';

export function startGovernanceWorker(deps: GovernanceJobDeps, options: { intervalMs?: number } = {}) {
  let running: Promise<GovernancePassReport | undefined> | undefined;
  let stopped = false;

  const runNow = (): Promise<GovernancePassReport | undefined> => {
    if (stopped) return Promise.resolve(undefined);
    running ??= runGovernancePass(deps)
      .catch((error: unknown) => {
        deps.logger.warn('governance pass failed', { error });
        return undefined;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer = setInterval(runNow, options.intervalMs ?? 5_000);
  timer.unref();

  return {
    /** Runs a pass now (or joins the one under way). */
    runNow,
    /** Waits for the pass under way. */
    async idle() {
      await running;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

export type GovernanceWorker = ReturnType<typeof startGovernanceWorker>;
