/**
 * A fault on a real local node: the local runtime (dynalite, anvil, reconciler) runs in this process with the
 * health monitor on a short interval. The network's anvil chain is killed with SIGKILL; the node is marked
 * unhealthy at the next probe, restarted (by the chain's supervisor or by the monitor's recovery, whichever comes
 * first), and back to running and healthy; the outage is in the month's signed SLA report, its window within one
 * probe interval of the kill and of the return.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { verifyMessage } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../functions/api/app.ts';
import type { AppEnv } from '../../../functions/api/app-env.ts';
import { registerNodeHealthRoutes } from '../../../functions/api/routes/node-health.routes.ts';
import { type CycleReport, HealthMonitor } from '../../../functions/jobs/health-monitor.ts';
import { SlaReporter } from '../../../functions/jobs/sla-reports.ts';
import { type HealthWorker, startHealthWorker } from '../../../functions/local/health-worker.ts';
import { HttpNodeProbe } from '../../../shared/adapters/http/http-node-probe.ts';
import { VaultKeySigner } from '../../../shared/chain/vault-key-signer.ts';
import { monthOf } from '../../../shared/domain/sla.ts';
import { createLogger } from '../../../shared/observability/logger.ts';
import { HealthRepository, type StoredSample } from '../../../shared/store/health.repository.ts';
import { type InProcessRuntime, startInProcessRuntime } from '../../support/in-process-runtime.ts';

const INTERVAL_MS = 500;
const POLL_MS = 20;

let env: InProcessRuntime;
let app: OpenAPIHono<AppEnv>;
let health: HealthRepository;
let worker: HealthWorker;
let monitor: HealthMonitor;
let reporter: SlaReporter;
const cycles: CycleReport[] = [];
let token: string;
let orgId: string;
let nodeId: string;

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Whether the chain answers eth_blockNumber right now (the test's own view, independent of the monitor). */
async function chainAnswers(rpcUrl: string): Promise<boolean> {
  try {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
      signal: AbortSignal.timeout(200),
    });
    return res.ok;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  env = await startInProcessRuntime();
  const { deps, table, nodeProvider } = env.runtime;
  health = new HealthRepository(table);
  const platformKey = (await deps.stores.platform.getSigningKey())!;
  reporter = new SlaReporter({
    nodes: deps.stores.nodes,
    organisations: deps.stores.organisations,
    health,
    signer: new VaultKeySigner(deps.vault, platformKey.keyRef),
    clock: deps.clock,
    logger: deps.logger,
  });
  app = createApp(deps);
  registerNodeHealthRoutes(app, deps, {
    health,
    slaReports: reporter,
    platformAddress: async () => platformKey.address,
  });
  monitor = new HealthMonitor({
    nodes: deps.stores.nodes,
    networks: deps.stores.networks,
    audit: deps.stores.audit,
    health,
    providers: { anvil: nodeProvider },
    probe: new HttpNodeProbe({ memberPrivateAddresses: true }),
    logger: createLogger({ level: 'silent' }),
    clock: deps.clock,
    probeTimeoutMs: 400,
    policy: { failureThreshold: 3, maxAttempts: 3, initialBackoffMs: 1_000, maxBackoffMs: 4_000 },
  });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await env?.close();
});

describe('health monitor on a real local node', () => {
  it('marks a killed chain’s node unhealthy, sees it restarted and healthy, and reports the outage', async () => {
    ({ token, orgId } = await env.user('Fault Clinic'));
    const created = await env.call('POST', `/v1/orgs/${orgId}/nodes`, {
      token,
      body: { networkId: env.runtime.defaultNetworkId },
    });
    nodeId = created.json.id as string;
    await env.waitForNode(token, orgId, nodeId, (n) => n.state === 'running');
    const stores = env.runtime.deps.stores;
    const rpcUrl = (await stores.nodes.get(orgId, nodeId))!.endpoints.rpcUrl!;

    worker = startHealthWorker(monitor, {
      intervalMs: INTERVAL_MS,
      logger: env.runtime.deps.logger,
      onCycle: (r) => cycles.push(r),
    });
    await until('a healthy node', async () =>
      (await stores.nodes.get(orgId, nodeId))?.health === 'healthy' ? true : undefined,
    );

    // Kill in the middle of an interval, so the next probe is due about half an interval later.
    const seen = cycles.length;
    await until('the next cycle', () => (cycles.length > seen ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS / 2));
    const pid = env.runtime.nodeProvider.chainPid(env.runtime.defaultNetworkId);
    expect(pid).toBeGreaterThan(0);
    const cycleAtKill = monitor.cycles;
    const killedAt = Date.now();
    process.kill(pid!, 'SIGKILL');

    // Back when the chain answers again, as seen from here.
    const backAt = await until('the chain to answer again', async () =>
      !(await chainAnswers(rpcUrl)) ? undefined : Date.now(),
    );
    expect(backAt).toBeGreaterThan(killedAt);
    const unhealthyCycle = cycles.find((r) => r.cycle > cycleAtKill && r.unhealthy > 0);
    expect(unhealthyCycle?.cycle).toBeLessThanOrEqual(cycleAtKill + 2);

    const recovered = await until('the node running and healthy again', async () => {
      const node = await stores.nodes.get(orgId, nodeId);
      return node?.state === 'running' && node.health === 'healthy' ? node : undefined;
    });
    expect(recovered.healthReason).toBe('Answers JSON-RPC and produces blocks');
    expect(env.runtime.nodeProvider.chainPid(env.runtime.defaultNetworkId)).not.toBe(pid);

    // The samples around the outage: the last passing probe before the kill, the failing run, the first pass after.
    const samples: StoredSample[] = (
      await health.allSamples(nodeId, new Date(killedAt - 10 * INTERVAL_MS).toISOString(), new Date().toISOString())
    ).sort((a, b) => a.at.localeCompare(b.at));
    const firstFail = samples.findIndex((s) => s.health === 'unhealthy');
    const firstPassAfter = samples.findIndex((s, i) => i > firstFail && s.health !== 'unhealthy');
    expect(firstFail).toBeGreaterThan(0);
    expect(firstPassAfter).toBeGreaterThan(firstFail);
    expect(samples[firstFail]?.reason).toMatch(/^The node does not answer JSON-RPC/);

    const month = monthOf(killedAt);
    const signed = await reporter.generate(orgId, month);
    const entry = signed.report.nodes.find((n) => n.nodeId === nodeId);
    const window = entry?.rpc.windows.at(-1);
    expect(window).toBeDefined();
    const start = Date.parse(window!.start);
    const end = Date.parse(window!.end);
    // Opens at the first probe after the kill, due about half an interval after it.
    expect(window!.start).toBe(samples[firstFail]?.at);
    expect(start).toBeGreaterThanOrEqual(killedAt);
    expect(start - killedAt).toBeLessThanOrEqual(INTERVAL_MS);
    // Closes at the first probe that found the chain answering: no later than one probe spacing after the return.
    const closing = samples[firstPassAfter]!;
    const lastFailing = samples[firstPassAfter - 1]!;
    expect(window!.end).toBe(closing.at);
    expect(end).toBeGreaterThanOrEqual(backAt - POLL_MS - 200);
    expect(end - backAt).toBeLessThanOrEqual(Date.parse(closing.at) - Date.parse(lastFailing.at));
    expect(entry?.rpc.downtimeMs).toBeGreaterThanOrEqual(end - start);
    expect(verifyMessage(signed.payload, signed.signature)).toBe(signed.signer);
  });

  it('audits the health transitions of the node', async () => {
    const audit = await env.runtime.deps.stores.audit.list(orgId, { limit: 200 });
    const changes = audit.items
      .filter((e) => e.action === 'node.health-changed' && e.target === nodeId)
      .reverse()
      .map((e) => `${e.details?.from}→${e.details?.to}`);
    expect(changes.slice(0, 3)).toEqual(['null→healthy', 'healthy→unhealthy', 'unhealthy→healthy']);
  });

  it('serves the node’s health and the month’s report through the API', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const res = await app.request(`/v1/orgs/${orgId}/nodes/${nodeId}/health`, { headers });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.health).toBe('healthy');
    expect(body.samples.some((s: { health: string }) => s.health === 'unhealthy')).toBe(true);
    expect(body.uptime.at(-1).rpcDowntimeMs).toBeGreaterThan(0);
    const report = await app.request(`/v1/orgs/${orgId}/sla-reports?month=${monthOf(Date.now())}`, { headers });
    expect(report.status).toBe(200);
    const signed = await report.json();
    expect(signed.report.final).toBe(false);
    expect(signed.report.nodes[0].rpc.windows.length).toBeGreaterThan(0);
  });
});
