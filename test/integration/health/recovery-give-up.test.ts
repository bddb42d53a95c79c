/**
 * Recovery that does not work, on real parts: a local provider whose anvil cannot start again after a crash (its
 * binary is a wrapper that refuses while a marker file exists, as a full disk would), real dynalite repositories,
 * and the monitor driven cycle by cycle. The node is restarted with backoff, then given up on (`failed`, with a
 * reason), shown first in the operators' fleet view; once the chain can run again and is started by hand, the
 * next probe brings the node back to `running`.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthMonitor } from '../../../functions/jobs/health-monitor.ts';
import { HttpNodeProbe } from '../../../shared/adapters/http/http-node-probe.ts';
import { resolveAnvilBinary } from '../../../shared/adapters/local/anvil-launcher.ts';
import { LocalNodeProvider } from '../../../shared/adapters/local/local-node-provider.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { createLogger } from '../../../shared/observability/logger.ts';
import { HealthRepository } from '../../../shared/store/health.repository.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

let api: TestApi;
let dataDir: string;
let provider: LocalNodeProvider;
let monitor: HealthMonitor;
let health: HealthRepository;
let node: NodeRecord;
let marker: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs monitor cycles (with a short pause) until `done` holds for the node, or gives up after `max` cycles. */
async function cyclesUntil(done: (node: NodeRecord) => boolean, max = 60): Promise<NodeRecord> {
  for (let i = 0; i < max; i++) {
    await monitor.runCycle();
    const current = (await api.stores.nodes.get(node.orgId, node.id))!;
    if (done(current)) return current;
    await sleep(60);
  }
  throw new Error('the node never reached the expected state');
}

beforeAll(async () => {
  api = await startTestApi();
  dataDir = await mkdtemp(join(tmpdir(), 'carechain-giveup-'));
  marker = join(dataDir, 'anvil-refuses');
  const wrapper = join(dataDir, 'anvil-wrapper.sh');
  await writeFile(
    wrapper,
    `#!/bin/sh\nif [ -e "${marker}" ]; then echo "No space left on device" >&2; exit 1; fi\nexec "${resolveAnvilBinary()}" "$@"\n`,
  );
  await chmod(wrapper, 0o755);
  provider = await LocalNodeProvider.open({
    dataDir,
    anvilPath: wrapper,
    // The chain's own supervisor gives up at the first crash, so only the monitor's recovery acts.
    restartPolicy: { maxRestarts: 0 },
    readyTimeoutMs: 5_000,
  });
  health = new HealthRepository(api.table);
  monitor = new HealthMonitor({
    nodes: api.stores.nodes,
    networks: api.stores.networks,
    audit: api.stores.audit,
    health,
    providers: { anvil: provider },
    probe: new HttpNodeProbe({ memberPrivateAddresses: true }),
    logger: createLogger({ level: 'silent' }),
    clock: () => new Date(),
    probeTimeoutMs: 500,
    policy: { failureThreshold: 2, maxAttempts: 2, initialBackoffMs: 100, maxBackoffMs: 400 },
  });

  const { token } = await api.signup();
  const org = await api.createOrg(token, 'Recovery Hospital');
  const network = (await api.stores.networks.get((await api.createNetwork()).id))!;
  const now = new Date().toISOString();
  const record: NodeRecord = {
    id: 'node_giveupgiveupgiveup22',
    orgId: org.id,
    networkId: network.id,
    name: 'member-1',
    role: 'member',
    hosting: 'managed',
    size: 'small',
    region: 'eu-north-1',
    runtime: 'anvil',
    state: 'running',
    desiredState: 'running',
    reason: undefined,
    endpoints: { rpcUrl: undefined, p2pPort: undefined },
    enode: undefined,
    validatorAddress: undefined,
    providerRef: undefined,
    createdAt: now,
    updatedAt: now,
    stateChangedAt: now,
    version: 1,
  };
  const { providerRef } = await provider.provision({ node: record, network, clientToken: record.id });
  const description = await provider.describe(record);
  node = await api.stores.nodes.create({
    ...record,
    providerRef,
    endpoints: { rpcUrl: description.rpcUrl, p2pPort: undefined },
  });
}, 60_000);

afterAll(async () => {
  await provider?.close();
  await api?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('recovery that does not work', () => {
  it('restarts with backoff, then marks the node failed with a reason, failed nodes first for operators', async () => {
    await cyclesUntil((n) => n.health === 'healthy');
    await writeFile(marker, '');
    process.kill(provider.chainPid(node.networkId)!, 'SIGKILL');

    const failed = await cyclesUntil((n) => n.state === 'failed');
    expect(failed.reason).toMatch(/^The node stopped answering and did not come back after 2 restarts/);
    expect(failed.health).toBe('unhealthy');

    const samples = await health.allSamples(node.id, node.createdAt, new Date(Date.now() + 1000).toISOString());
    const attempts = samples.filter((s) => s.recovery).map((s) => s.recovery);
    expect(attempts.map((a) => [a?.attempt, a?.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ]);
    expect(attempts[0]?.error).toMatch(/No space left on device/);
    // Members read samples: the node's private endpoint is never in them.
    expect(JSON.stringify(samples)).not.toContain(node.endpoints.rpcUrl);

    const audit = (await api.stores.audit.list(node.orgId, { limit: 100 })).items.reverse();
    const actions = audit.filter((e) => e.target === node.id).map((e) => e.action);
    expect(actions).toEqual([
      'node.health-changed', // first probe: healthy
      'node.health-changed', // first failed probe: unhealthy
      'node.degraded', // recovering
      'node.restart-attempted',
      'node.restart-attempted',
      'node.failed',
    ]);

    const ops = await api.call('GET', '/v1/ops/nodes', { token: await api.loginOperator() });
    expect(ops.json.items[0]).toMatchObject({ id: node.id, state: 'failed' });
  });

  it('keeps probing a failed node and brings it back to running once it answers', async () => {
    await rm(marker);
    await provider.start(node);
    const back = await cyclesUntil((n) => n.state === 'running' && n.health === 'healthy');
    expect(back.reason).toBeUndefined();
    const actions = (await api.stores.audit.list(node.orgId, { limit: 5 })).items.map((e) => e.action).reverse();
    expect(actions.slice(-3)).toEqual(['node.starting', 'node.running', 'node.health-changed']);
  });
});
