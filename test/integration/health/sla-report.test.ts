/**
 * Monthly SLA reports end to end on dynalite and the local vault: samples in the table become downtime windows,
 * availability and credits; the report is signed by the platform key and verifies with ethers against the address
 * `GET /v1/platform` publishes, and stops verifying as soon as anything in it changes.
 */
import { getAddress, verifyMessage } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerNodeHealthRoutes } from '../../../functions/api/routes/node-health.routes.ts';
import { SlaReporter } from '../../../functions/jobs/sla-reports.ts';
import { ensurePlatformKey } from '../../../functions/services/platform/platform-bootstrap.ts';
import { slaTermsFromPlans } from '../../../functions/services/sla/sla-report.service.ts';
import { VaultKeySigner } from '../../../shared/chain/vault-key-signer.ts';
import type { HealthSample } from '../../../shared/domain/health.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { canonicalJson } from '../../../shared/domain/sla.ts';
import { createLogger } from '../../../shared/observability/logger.ts';
import { HealthRepository } from '../../../shared/store/health.repository.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

let now = Date.parse('2026-05-03T08:00:00.000Z');
const clock = () => new Date(now);
const MINUTE = 60_000;

let api: TestApi;
let health: HealthRepository;
let platformAddress: string;
let reporter: SlaReporter;
let token: string;
let orgId: string;
let node: NodeRecord;

function nodeRecord(org: string, name: string, hosting: 'managed' | 'self-hosted' = 'managed'): NodeRecord {
  return {
    id: newId('node'),
    orgId: org,
    networkId: 'net_aaaaaaaaaaaaaaaaaaaa',
    name,
    role: 'member',
    hosting,
    size: 'small',
    region: 'eu-north-1',
    runtime: hosting === 'managed' ? 'anvil' : 'external',
    state: 'running',
    desiredState: 'running',
    reason: undefined,
    endpoints: { rpcUrl: 'http://127.0.0.1:1', p2pPort: undefined },
    enode: undefined,
    validatorAddress: undefined,
    providerRef: undefined,
    createdAt: '2026-03-01T00:00:00.000Z',
    updatedAt: '2026-03-01T00:00:00.000Z',
    stateChangedAt: '2026-03-01T00:00:00.000Z',
    version: 1,
  };
}

/** A probe result as the monitor stores it, every minute from `from` for `minutes`. */
async function probes(target: NodeRecord, from: string, minutes: number, kind: 'up' | 'down' | 'stalled') {
  for (let i = 0; i < minutes; i++) {
    const at = new Date(Date.parse(from) + i * MINUTE).toISOString();
    const sample: HealthSample = {
      at,
      rpcOk: kind !== 'down',
      ...(kind === 'down' ? { rpcError: 'connection refused' } : { blockNumber: 1000 + i, latencyMs: 3 }),
      health: kind === 'up' ? 'healthy' : kind === 'down' ? 'unhealthy' : 'degraded',
      reason:
        kind === 'up'
          ? 'Answers JSON-RPC and produces blocks'
          : kind === 'down'
            ? 'The node does not answer JSON-RPC (connection refused)'
            : 'No new block within 6 s (3 block periods)',
      headAdvancing: kind === 'up',
      consecutiveFailures: kind === 'down' ? i + 1 : 0,
      recoveryAttempts: 0,
    };
    await health.putSample({ ...sample, nodeId: target.id, orgId: target.orgId });
  }
}

beforeAll(async () => {
  api = await startTestApi({ clock });
  health = new HealthRepository(api.table);
  const platformKey = await ensurePlatformKey(api.deps.vault, api.stores.platform, clock());
  platformAddress = platformKey.address;
  reporter = new SlaReporter({
    nodes: api.stores.nodes,
    organisations: api.stores.organisations,
    health,
    signer: new VaultKeySigner(api.deps.vault, platformKey.keyRef),
    clock,
    logger: createLogger({ level: 'silent' }),
  });
  // Routes are mounted before the app serves its first request (Hono builds its router then).
  registerNodeHealthRoutes(api.app, api.deps, {
    health,
    slaReports: reporter,
    platformAddress: async () => platformAddress,
  });
  const user = await api.signup();
  token = user.token;
  orgId = (await api.createOrg(token)).id;
  node = nodeRecord(orgId, 'validator-1');
  await api.stores.nodes.create(node);
  // April: healthy, a 50-minute outage on the 10th, a 5-minute block stall on the 20th, healthy to the month's end.
  await probes(node, '2026-04-10T09:55:00.000Z', 5, 'up');
  await probes(node, '2026-04-10T10:00:00.000Z', 50, 'down');
  await probes(node, '2026-04-10T10:50:00.000Z', 5, 'up');
  await probes(node, '2026-04-20T12:00:00.000Z', 5, 'stalled');
  await probes(node, '2026-04-20T12:05:00.000Z', 2, 'up');
});

afterAll(async () => {
  await api?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => api.call('GET', path, { token, headers });

describe('monthly SLA report', () => {
  it('reports availability, the outage window, block production apart, and the credit earned', async () => {
    const res = await get(`/v1/orgs/${orgId}/sla-reports?month=2026-04`);
    expect(res.status).toBe(200);
    const { report } = res.json;
    expect(report).toMatchObject({
      schema: 'carechain.sla-report/1',
      orgId,
      month: '2026-04',
      final: true,
      period: { start: '2026-04-01T00:00:00.000Z', end: '2026-05-01T00:00:00.000Z' },
      plan: { id: null, slaTargetPercent: 99.9 },
      signer: platformAddress,
      totals: { nodes: 1, coveredNodes: 1, nodesBelowTarget: 1, creditOre: null },
    });
    const [entry] = report.nodes;
    // 50 minutes of a 30-day month: 3,000 s > 2,592 s (0.1 %), so below 99.9 % and 10 % credit.
    expect(entry).toMatchObject({
      nodeId: node.id,
      covered: true,
      partial: false,
      eligibleMs: 30 * 24 * 60 * MINUTE,
      rpc: {
        downtimeMs: 50 * MINUTE,
        availabilityPercent: 99.8842,
        windows: [
          {
            start: '2026-04-10T10:00:00.000Z',
            end: '2026-04-10T10:50:00.000Z',
            durationMs: 50 * MINUTE,
            reason: 'The node does not answer JSON-RPC (connection refused)',
          },
        ],
      },
      metTarget: false,
      creditPercent: 10,
    });
    // Block production counts the outage and the stall; the stall does not touch RPC availability or credits.
    expect(entry.blockProduction.downtimeMs).toBe(55 * MINUTE);
    expect(entry.blockProduction.windows.map((w: { start: string }) => w.start)).toEqual([
      '2026-04-10T10:00:00.000Z',
      '2026-04-20T12:00:00.000Z',
    ]);
  });

  it('is signed by the platform key: ethers recovers the address GET /v1/platform publishes', async () => {
    const platform = await api.call('GET', '/v1/platform');
    expect(platform.status).toBe(200);
    expect(platform.json).toMatchObject({
      name: 'CareChain',
      signingAddress: platformAddress,
      signatureScheme: 'EIP-191',
    });
    const { report, payload, signature, signer } = (await get(`/v1/orgs/${orgId}/sla-reports?month=2026-04`)).json;
    expect(signer).toBe(platform.json.signingAddress);
    expect(payload).toBe(canonicalJson(report));
    expect(getAddress(verifyMessage(payload, signature))).toBe(platform.json.signingAddress);
  });

  it('fails verification once the payload is changed', async () => {
    const { payload, signature } = (await get(`/v1/orgs/${orgId}/sla-reports?month=2026-04`)).json;
    const tampered = payload.replace('"creditPercent":10', '"creditPercent":0');
    expect(tampered).not.toBe(payload);
    expect(verifyMessage(tampered, signature)).not.toBe(platformAddress);
    const edited = JSON.parse(payload);
    edited.nodes[0].rpc.availabilityPercent = 100;
    expect(verifyMessage(canonicalJson(edited), signature)).not.toBe(platformAddress);
  });

  it('keeps a finished month’s report as it was signed, whatever arrives later', async () => {
    const first = (await get(`/v1/orgs/${orgId}/sla-reports?month=2026-04`)).json;
    await probes(node, '2026-04-25T00:00:00.000Z', 30, 'down');
    now += MINUTE;
    const again = (await get(`/v1/orgs/${orgId}/sla-reports?month=2026-04`)).json;
    expect(again.payload).toBe(first.payload);
    expect(again.signature).toBe(first.signature);
  });

  it('reports the month in progress to date, not final', async () => {
    await probes(node, '2026-05-02T06:00:00.000Z', 10, 'down');
    await probes(node, '2026-05-02T06:10:00.000Z', 1, 'up');
    const { report } = (await get(`/v1/orgs/${orgId}/sla-reports?month=2026-05`)).json;
    expect(report.final).toBe(false);
    expect(report.period.end).toBe(clock().toISOString());
    expect(report.nodes[0]).toMatchObject({ partial: true, rpc: { downtimeMs: 10 * MINUTE } });
  });

  it('excludes announced maintenance of the node’s network', async () => {
    const other = await api.createOrg(token, 'Maintenance Clinic');
    const maintained = { ...nodeRecord(other.id, 'member-1'), networkId: 'net_bbbbbbbbbbbbbbbbbbbb' };
    await api.stores.nodes.create(maintained);
    await probes(maintained, '2026-04-05T02:00:00.000Z', 60, 'down');
    await probes(maintained, '2026-04-05T03:00:00.000Z', 1, 'up');
    await health.addMaintenanceWindow({
      networkId: maintained.networkId,
      start: '2026-04-05T01:30:00.000Z',
      end: '2026-04-05T02:45:00.000Z',
      description: 'Besu upgrade',
    });
    const { report } = (await get(`/v1/orgs/${other.id}/sla-reports?month=2026-04`)).json;
    expect(report.maintenance).toEqual([
      {
        networkId: maintained.networkId,
        start: '2026-04-05T01:30:00.000Z',
        end: '2026-04-05T02:45:00.000Z',
        description: 'Besu upgrade',
      },
    ]);
    expect(report.nodes[0]).toMatchObject({
      maintenanceMs: 75 * MINUTE,
      eligibleMs: 30 * 24 * 60 * MINUTE - 75 * MINUTE,
      rpc: { downtimeMs: 15 * MINUTE },
      creditPercent: 0,
    });
  });

  it('uses the organisation’s plan: target, ladder and the credit as an amount', async () => {
    const org = await api.createOrg(token, 'Plan Hospital');
    const planned = nodeRecord(org.id, 'validator-2');
    await api.stores.nodes.create(planned);
    await probes(planned, '2026-04-10T10:00:00.000Z', 50, 'down');
    await probes(planned, '2026-04-10T10:50:00.000Z', 1, 'up');
    const byPlan = new SlaReporter({
      nodes: api.stores.nodes,
      organisations: api.stores.organisations,
      health,
      signer: new VaultKeySigner(api.deps.vault, (await api.stores.platform.getSigningKey())!.keyRef),
      clock,
      logger: createLogger({ level: 'silent' }),
      slaTermsOf: slaTermsFromPlans(async (id) => (id === org.id ? 'managed-member' : undefined)),
    });
    const { report } = await byPlan.generate(org.id, '2026-04');
    expect(report.plan).toMatchObject({ id: 'managed-member', slaTargetPercent: 99.9 });
    expect(report.nodes[0]).toMatchObject({ creditPercent: 10, creditOre: 29_000 });
    expect(report.totals.creditOre).toBe(29_000);
  });

  it('renders CSV on request, with formula-like names defused', async () => {
    const org = await api.createOrg(token, 'Csv Care');
    const named = nodeRecord(org.id, '=HYPERLINK("x"),1');
    await api.stores.nodes.create(named);
    await probes(named, '2026-04-02T00:00:00.000Z', 3, 'down');
    await probes(named, '2026-04-02T00:03:00.000Z', 1, 'up');
    const res = await get(`/v1/orgs/${org.id}/sla-reports?month=2026-04`, { accept: 'text/csv' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = res.text.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^record,org_id,month,final,node_id,node_name,/);
    expect(lines[1]).toContain(`node,${org.id},2026-04,true,${named.id},"'=HYPERLINK(""x""),1",`);
    expect(lines[2]).toContain('rpc_downtime,');
    expect(lines[2]).toContain('2026-04-02T00:00:00.000Z,2026-04-02T00:03:00.000Z,180000,');
  });

  it('answers 404 for another organisation’s report, 400 for a malformed or future month', async () => {
    const stranger = await api.signup('Stranger');
    const theirs = await api.call('GET', `/v1/orgs/${orgId}/sla-reports?month=2026-04`, { token: stranger.token });
    expect(theirs.status).toBe(404);
    expect(theirs.headers.get('content-type')).toContain('application/problem+json');
    expect((await get(`/v1/orgs/${orgId}/sla-reports?month=2026-13`)).status).toBe(400);
    expect((await get(`/v1/orgs/${orgId}/sla-reports`)).status).toBe(400);
    const future = await get(`/v1/orgs/${orgId}/sla-reports?month=2027-01`);
    expect(future.status).toBe(400);
    expect(future.json.detail).toBe('That month has not begun');
  });
});

describe('API description', () => {
  it('documents the health, SLA report and platform routes, CSV included', async () => {
    const doc = (await api.call('GET', '/v1/openapi.json')).json;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/orgs/{orgId}/nodes/{nodeId}/health',
        '/v1/orgs/{orgId}/sla-reports',
        '/v1/platform',
      ]),
    );
    expect(Object.keys(doc.paths['/v1/orgs/{orgId}/sla-reports'].get.responses['200'].content)).toEqual([
      'application/json',
      'text/csv',
    ]);
  });
});

describe('daily SLA run', () => {
  it('rolls up yesterday, stores every organisation’s month to date, and keeps last month’s final report', async () => {
    const before = await health.getReport(orgId, '2026-04');
    const result = await reporter.runDaily();
    expect(result.rollups).toBeGreaterThanOrEqual(1);
    expect(await health.getRollup(node.id, '2026-05-02')).toMatchObject({
      complete: true,
      rpcDowntimeMs: 10 * MINUTE,
    });
    const monthToDate = await health.getReport(orgId, '2026-05');
    expect(monthToDate).toMatchObject({ final: false, signer: platformAddress });
    expect(verifyMessage(monthToDate!.payload, monthToDate!.signature)).toBe(platformAddress);
    expect(await health.getReport(orgId, '2026-04')).toEqual(before);
  });
});

describe('node health route', () => {
  it('returns samples newest first and the uptime of each day in the range', async () => {
    const res = await get(
      `/v1/orgs/${orgId}/nodes/${node.id}/health?from=2026-04-10T09:00:00.000Z&to=2026-04-11T09:00:00.000Z&limit=3`,
    );
    expect(res.status).toBe(200);
    expect(res.json.samples.map((s: { at: string }) => s.at)).toEqual([
      '2026-04-10T10:54:00.000Z',
      '2026-04-10T10:53:00.000Z',
      '2026-04-10T10:52:00.000Z',
    ]);
    expect(res.json.nextCursor).toEqual(expect.any(String));
    expect(res.json.uptime.map((d: { day: string }) => d.day)).toEqual(['2026-04-10', '2026-04-11']);
    expect(res.json.uptime[0]).toMatchObject({
      complete: true,
      rpcDowntimeMs: 50 * MINUTE,
      rpcAvailabilityPercent: 96.5277,
    });
    const next = await get(
      `/v1/orgs/${orgId}/nodes/${node.id}/health?from=2026-04-10T09:00:00.000Z&to=2026-04-11T09:00:00.000Z&limit=3&cursor=${res.json.nextCursor}`,
    );
    expect(next.json.samples[0].at).toBe('2026-04-10T10:51:00.000Z');
  });

  it('stores a finished day’s rollup so it is read, not recomputed', async () => {
    const stored = await health.getRollup(node.id, '2026-04-10');
    expect(stored).toMatchObject({ complete: true, samples: 60, unhealthySamples: 50, rpcDowntimeMs: 50 * MINUTE });
  });

  it('answers 404 for another organisation’s node and 400 for a backwards or too long range', async () => {
    const other = await api.createOrg(token, 'Other Clinic');
    expect((await get(`/v1/orgs/${other.id}/nodes/${node.id}/health`)).status).toBe(404);
    const stranger = await api.signup('Outsider');
    expect((await api.call('GET', `/v1/orgs/${orgId}/nodes/${node.id}/health`, { token: stranger.token })).status).toBe(
      404,
    );
    const backwards = await get(
      `/v1/orgs/${orgId}/nodes/${node.id}/health?from=2026-04-11T00:00:00.000Z&to=2026-04-10T00:00:00.000Z`,
    );
    expect(backwards.status).toBe(400);
    const long = await get(
      `/v1/orgs/${orgId}/nodes/${node.id}/health?from=2026-01-01T00:00:00.000Z&to=2026-04-10T00:00:00.000Z`,
    );
    expect(long.status).toBe(400);
    expect((await get(`/v1/orgs/${orgId}/nodes/${node.id}/health?from=yesterday`)).status).toBe(400);
  });
});
