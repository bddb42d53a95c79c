/**
 * The local runtime (what `npm start` runs) started in this process on a fresh data dir and a free port, for
 * tests that want the real server without a child process. `user()` signs up and creates an organisation.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalRuntime, startLocalRuntime } from '../../functions/local/local-runtime.ts';
import { loadConfig } from '../../shared/config/config.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { http } from './local-server.ts';

export async function startInProcessRuntime(env: Record<string, string> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'carechain-runtime-'));
  const config = loadConfig({
    PORT: '0',
    CARECHAIN_DATA_DIR: dataDir,
    CARECHAIN_OPERATOR_PASSWORD: 'operator-password-1234',
    ...env,
  });
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logLines.push(line) });
  const runtime: LocalRuntime = await startLocalRuntime(config, logger);
  const call = (method: string, path: string, init: { token?: string; apiKey?: string; body?: unknown } = {}) =>
    http(runtime.url, method, path, init);
  let count = 0;
  return {
    runtime,
    dataDir,
    logLines,
    call,
    async user(orgName = 'Test Hospital') {
      count++;
      const signup = await call('POST', '/v1/auth/signup', {
        body: {
          email: `member${count}@org${count}.example`,
          password: 'a long test password',
          name: `Member ${count}`,
        },
      });
      const token = signup.json.token as string;
      const org = await call('POST', '/v1/orgs', { token, body: { name: `${orgName} ${count}`, type: 'hospital' } });
      return { token, orgId: org.json.id as string };
    },
    async operatorToken() {
      const login = await call('POST', '/v1/auth/login', {
        body: { email: 'operator@carechain.local', password: 'operator-password-1234' },
      });
      return login.json.token as string;
    },
    /** Polls a node until `done` holds for it or the time runs out. */
    async waitForNode(token: string, orgId: string, nodeId: string, done: (node: { state: string }) => boolean) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const res = await call('GET', `/v1/orgs/${orgId}/nodes/${nodeId}`, { token });
        if (res.status === 200 && done(res.json)) return res.json;
        if (Date.now() > deadline) throw new Error(`node ${nodeId} never reached the expected state: ${res.text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async close() {
      await runtime.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type InProcessRuntime = Awaited<ReturnType<typeof startInProcessRuntime>>;
