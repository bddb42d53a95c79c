/**
 * `npm start`: the whole control plane on this machine. Prints where it listens and how to log in.
 */
import { ConfigError, loadConfig } from '../../shared/config/config.ts';
import { guardProcessOutput, writeOutput } from '../../shared/observability/process-output.ts';
import { describeReadiness } from '../services/billing/billing-readiness.ts';
import { startLocalRuntime } from './local-runtime.ts';

// Whoever reads our output may go away (a closed terminal, a log shipper restarting): from then on writes fail,
// and the control plane must go on serving, and stop what it started when told to, regardless.
guardProcessOutput();

// Locally the AWS SDK only talks to the embedded database, at the versions the lockfile pins: its notice that
// future SDK releases will need Node 22 concerns whoever upgrades it, not someone starting the control plane.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      writeOutput(process.stderr, `${error.message}\nFix the variable(s) above and start again.\n`);
      process.exit(1);
    }
    throw error;
  }
  const runtime = await startLocalRuntime(config);
  const login =
    runtime.operator.created && runtime.operator.generatedPassword
      ? `${runtime.operator.email} / ${runtime.operator.generatedPassword}  (generated now and shown only once; set CARECHAIN_OPERATOR_PASSWORD to choose it)`
      : `${runtime.operator.email} / ${config.operatorPassword ? 'the password in CARECHAIN_OPERATOR_PASSWORD' : 'the password printed at the first start'}`;
  writeOutput(
    process.stdout,
    [
      '',
      `CareChain BaaS is running at ${runtime.url}`,
      `  Console:         ${runtime.url}/`,
      `  API docs:        ${runtime.url}/docs`,
      `  OpenAPI:         ${runtime.url}/v1/openapi.json`,
      `  Operator login:  ${login}`,
      `  Data directory:  ${config.dataDir}`,
      `  Nodes run on:    ${runtime.nodeRuntime}`,
      `  Billing:         ${describeReadiness(runtime.billingAtStart)}`,
      '  Stop with Ctrl+C.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    writeOutput(process.stdout, `Received ${signal}; stopping…\n`);
    try {
      await runtime.stop();
    } catch (error) {
      // Everything was still asked to stop (see LocalRuntime.stop); the exit status tells what the text may not.
      writeOutput(process.stderr, `CareChain BaaS did not stop cleanly: ${(error as Error).message}\n`);
      process.exit(1);
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // Closing the terminal sends SIGHUP: stop as for Ctrl+C. Under nohup (output not a terminal) the hang-up is
  // meant to pass unnoticed, so it is left alone there.
  if (process.stdout.isTTY) process.on('SIGHUP', () => void shutdown('SIGHUP'));
}

main().catch((error: unknown) => {
  writeOutput(
    process.stderr,
    `CareChain BaaS could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
