/**
 * Scheduled Lambda (daily): yesterday's uptime rollups, every organisation's month-to-date SLA report, and the
 * previous month's final report, signed with the platform's KMS key. Plans come from the billing account.
 */
import { type AwsWiringOptions, awsCore, coldStart } from './aws-core.ts';
import { kmsKeyVault, platformKeyRef, slaReporter } from './aws-platform-key.ts';

export function createSlaHandler(options: AwsWiringOptions = {}) {
  const ready = coldStart(async () => {
    const core = awsCore('sla', options);
    const reporter = slaReporter(core, { vault: kmsKeyVault(core), keyRef: await platformKeyRef(core) });
    return { reporter, logger: core.logger };
  });
  return async () => {
    const { reporter, logger } = await ready();
    const result = await reporter.runDaily();
    logger.info('SLA run finished', result);
    return result;
  };
}

export const handler = createSlaHandler();
