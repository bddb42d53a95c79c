/**
 * Scheduled Lambda (EventBridge Scheduler, every minute): one governance pass — deploy the contract on networks
 * that lack it, read new governance events, carry out passed decisions.
 *
 * Wired from what governance needs alone (the table's stores, the platform key in KMS, the tenant sessions that
 * offboarding uses to disable a removed member's keys), not from the API's dependencies: the function has no
 * Stripe secret and no provisioning queue, and its bundle carries neither Stripe nor the personal-data inspector.
 */

import { GovernanceRepository } from '../../shared/store/governance.repository.ts';
import { createStores } from '../../shared/store/stores.ts';
import { runGovernancePass } from '../jobs/governance/governance-pass.ts';
import { governanceJobDeps } from '../services/governance/governance-deps.ts';
import { type AwsWiringOptions, awsCore, coldStart } from './aws-core.ts';
import { kmsKeyVault } from './aws-platform-key.ts';
import { awsTenancy } from './aws-tenancy.ts';

export function createGovernanceWatcherHandler(options: AwsWiringOptions = {}) {
  const ready = coldStart(async () => {
    const core = awsCore('governance-watcher', options);
    const stores = createStores(core.table, core.clock);
    return governanceJobDeps(
      {
        stores,
        vault: kmsKeyVault(core),
        tenancy: awsTenancy(core, stores.organisations),
        logger: core.logger,
        clock: core.clock,
        managedRuntime: 'ec2',
      },
      new GovernanceRepository(core.table, core.clock),
    );
  });
  return async () => runGovernancePass(await ready());
}

export const handler = createGovernanceWatcherHandler();
