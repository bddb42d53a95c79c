/**
 * Scheduled Lambda (EventBridge Scheduler, every minute): one governance pass — deploy the contract on networks
 * that lack it, read new governance events, carry out passed decisions.
 */
import { GovernanceRepository } from '../../shared/store/governance.repository.ts';
import { runGovernancePass } from '../jobs/governance/governance-pass.ts';
import { governanceJobDeps } from '../services/governance/governance-deps.ts';
import { type AwsWiringOptions, coldStart } from './aws-core.ts';
import { awsDeps } from './aws-deps.ts';

export function createGovernanceWatcherHandler(options: AwsWiringOptions = {}) {
  const ready = coldStart(async () => {
    const app = await awsDeps('governance-watcher', options);
    return { app, jobs: governanceJobDeps(app, new GovernanceRepository(app.table, app.clock)) };
  });
  return async () => {
    const { app, jobs } = await ready();
    try {
      return await runGovernancePass(jobs);
    } finally {
      // Offboarding queues node work.
      await app.settle();
    }
  };
}

export const handler = createGovernanceWatcherHandler();
