/**
 * Starts the real local control plane (`functions/local/main.ts`, what `npm start` runs) as a child process on a
 * free port with its own data directory, and stops it with a signal of the test's choosing. Also what tests of it
 * need around it: a member with a running node, and the anvil processes running on its data directory.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface LocalServer {
  readonly url: string;
  readonly process: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startLocalServer(options: {
  dataDir: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<LocalServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/local/main.ts'], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      PORT: '0',
      CARECHAIN_DATA_DIR: options.dataDir,
      CARECHAIN_LOG_LEVEL: 'warn',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start in time:\n${output}`)),
      options.timeoutMs ?? 30_000,
    );
    const check = () => {
      const match = output.match(/running at (http:\/\/\S+)/);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    process: child,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}

export async function http(
  base: string,
  method: string,
  path: string,
  init: { token?: string; apiKey?: string; body?: unknown } = {},
) {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.apiKey) headers['x-api-key'] = init.apiKey;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined, text };
}

/** Signs a member up, creates an organisation and one node on the default network, and waits until the node runs. */
export async function memberWithRunningNode(base: string, name: string) {
  const email = `${name.toLowerCase().replace(/\W+/g, '-')}@test.example`;
  const signup = await http(base, 'POST', '/v1/auth/signup', {
    body: { email, password: 'a long test password', name },
  });
  const token = signup.json.token as string;
  const org = await http(base, 'POST', '/v1/orgs', { token, body: { name: `${name} Clinic`, type: 'hospital' } });
  const orgId = org.json.id as string;
  const networks = await http(base, 'GET', '/v1/networks', { token });
  const node = await http(base, 'POST', `/v1/orgs/${orgId}/nodes`, {
    token,
    body: { networkId: networks.json.items[0].id },
  });
  const nodeId = node.json.id as string;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const state = (await http(base, 'GET', `/v1/orgs/${orgId}/nodes/${nodeId}`, { token })).json.state;
    if (state === 'running') return { token, orgId, nodeId };
    if (Date.now() > deadline) throw new Error(`node ${nodeId} is ${state}, not running`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The anvil processes whose command line names a path under `dir` (their state file is in the data dir). */
export function anvilPidsUnder(dir: string): number[] {
  try {
    const out = execFileSync('pgrep', ['-f', `anvil.*${dir}`], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
