/**
 * Child process of logger-output.test.ts: logs with the default logger (to stdout) for a while, whether or not
 * anyone still reads it, then exits normally.
 */
import { createLogger } from '../../../shared/observability/logger.ts';

const logger = createLogger({ level: 'info' });
for (let line = 0; line < 40; line++) {
  logger.info('still here', { line });
  await new Promise((resolve) => setTimeout(resolve, 10));
}
process.exit(0);
