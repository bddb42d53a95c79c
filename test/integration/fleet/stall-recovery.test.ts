/**
 * Stall diagnosis and recovery on a local QBFT network of four validators the platform runs (the stand-in `besu`,
 * besu-stand-in.ts: its validators seal while they reach a quorum, move to the next round at each block period
 * without one, and after five round changes in a row stop taking part until restarted, the way Besu's round timers
 * drift apart in a stalled network). It proves the control plane's handling, not Besu's consensus.
 *
 * Two of four validators frozen: the network is `below-quorum` with both named, and nothing is restarted (an
 * operator's coordinated restart is refused with the names). One of them back: the network is `stalled` with a
 * quorum live, the monitor restarts the validators together, blocks come again, the incident's timeline says what
 * happened, members were alerted through their audit log and through their webhook endpoint (signed deliveries of
 * `validator.down` for each validator, `network.stalled` and then `network.recovered`), and the organisation's SLA report
 * shows the downtime.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventStreamJobs, runEventPass } from '../../../functions/jobs/events/event-pass.ts';
import { NetworkHealthMonitor } from '../../../functions/jobs/fleet/network-health-monitor.ts';
import { isProcessAlive } from '../../../shared/adapters/local/process-control.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { requestedNode } from '../../../shared/domain/node.ts';
import { monthOf } from '../../../shared/domain/sla.ts';
import { verifyWebhookSignature } from '../../../shared/domain/webhook-signature.ts';
import { startWebhookReceiver } from '../../support/webhook-receiver.ts';
import { height, rpc, waitFor } from '../providers/besu-test-support.ts';
import { type FleetTestNetwork, startFleetTestNetwork } from './fleet-test-network.ts';

let net: FleetTestNetwork;
let api: FleetTestNetwork['api'];
let network: Network;
let monitor: NetworkHealthMonitor;
let dataDir: string;
const frozen = new Set<number>();
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  net = await startFleetTestNetwork('stall-lab');
  ({ api, network, dataDir } = net);
  monitor = new NetworkHealthMonitor({
    stores: api.stores,
    fleet: net.fleet,
    logger: api.deps.logger,
    clock: () => new Date(),
    // Restart as soon as a stall is seen (no window to cancel it in); a restart gets a minute to bring blocks back.
    recovery: { restartDelayMs: 0, restartGraceMs: 60_000 },
    timeoutMs: 1_000,
  });
}, 60_000);

afterAll(async () => {
  for (const pid of frozen) if (isProcessAlive(pid)) process.kill(pid, 'SIGCONT');
  await net?.close();
  await receiver?.close();
});

/** One pass of the event workers (record the outboxes, deliver), as the local events worker runs them. */
async function deliverEvents() {
  const { stores } = api;
  const logger = { info() {}, warn() {}, debug() {}, error() {} } as never;
  await runEventPass(
    eventStreamJobs({
      ...{ events: stores.events, webhooks: stores.webhooks, networks: stores.networks, nodes: stores.nodes },
      ...{ cursors: stores.chainLogCursors, consentCursors: stores.consentCursors, members: stores.governance },
      wantsEvents: (orgId) => stores.webhooks.orgHasEndpoints(orgId),
      sender: api.webhookSender,
      clock: () => new Date(),
      logger,
    }),
  );
}

function validatorDir(index: number): string {
  return join(dataDir, 'besu-genesis', network.id, `validator-${index}`);
}
function rpcUrl(index: number): string {
  return `http://127.0.0.1:${readFileSync(join(validatorDir(index), 'besu.rpc-port'), 'utf8').trim()}`;
}
function pidOf(index: number): number {
  const pid = net.provider.genesisValidatorPid(network.id, index);
  if (pid === undefined) throw new Error(`validator ${index} does not run`);
  return pid;
}
async function addressOf(index: number): Promise<string> {
  return String(await rpc(rpcUrl(index), 'eth_coinbase')).toLowerCase();
}
function freeze(index: number): void {
  const pid = pidOf(index);
  process.kill(pid, 'SIGSTOP');
  frozen.add(pid);
}
function thaw(index: number): void {
  const pid = pidOf(index);
  process.kill(pid, 'SIGCONT');
  frozen.delete(pid);
}

describe('stall diagnosis and recovery', () => {
  it('names the validators down below quorum, restarts nothing, then recovers the stall by a coordinated restart', async () => {
    const { token: memberToken } = await api.signup('Clinic Operator');
    const org = await api.createOrg(memberToken, 'Stall Clinic');
    // The clinic runs its own node on the network: its SLA report and audit log concern this network.
    await api.stores.nodes.create(
      requestedNode(
        {
          id: `node-${network.id.slice(-8)}`,
          orgId: org.id,
          networkId: network.id,
          name: 'clinic-own',
          role: 'member',
          hosting: 'self-hosted',
          size: 'small',
          region: 'eu-north-1',
          runtime: 'external',
        },
        new Date(Date.now() - 60_000).toISOString(),
      ),
    );
    const operator = await api.loginOperator();
    const alerts = ['network.stalled', 'network.recovered', 'validator.down', 'upgrade.paused', 'backup.failed'];
    const endpoint = await api.call('POST', `/v1/orgs/${org.id}/webhooks`, {
      token: memberToken,
      body: { url: receiver.url('/pager'), description: 'Clinic pager', eventTypes: alerts },
    });
    expect(endpoint.status, endpoint.text).toBe(201);

    await waitFor('blocks', async () => (await height(rpcUrl(0))) > 1, 20_000);
    const producing = await monitor.checkNetwork(network);
    expect(producing.sample).toMatchObject({
      state: 'producing',
      consensusApplies: true,
      liveValidators: 4,
      quorum: 3,
    });
    expect(producing.sample.validators.every((v) => v.source === 'platform')).toBe(true);

    const down = [await addressOf(2), await addressOf(3)].sort();
    const survivors = [pidOf(0), pidOf(1)];
    freeze(2);
    freeze(3);
    const belowQuorum = await waitFor(
      'below-quorum',
      async () => {
        const { sample } = await monitor.checkNetwork(network);
        return sample.state === 'below-quorum' ? sample : undefined;
      },
      20_000,
    );
    expect([...belowQuorum.validatorsDown].sort()).toEqual(down);
    expect(belowQuorum.reason).toContain(down[0]);

    // The members see the state with the two named; the incident waits for them and nothing was restarted.
    const health = await api.call('GET', `/v1/networks/${network.id}/health`, { token: memberToken });
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ state: 'below-quorum', liveValidators: 2, quorum: 3 });
    expect(health.json.openIncident).toMatchObject({
      kind: 'below-quorum',
      recovery: { status: 'waiting-for-validators' },
    });
    expect([...health.json.openIncident.validatorsDown].sort()).toEqual(down);
    expect(health.json.validators.every((v: { nodeId: unknown }) => v.nodeId === null)).toBe(true);
    const refused = await api.call('POST', `/v1/networks/${network.id}/recovery`, {
      token: operator,
      body: { scope: 'all-validators' },
    });
    expect(refused.status).toBe(409);
    expect(refused.json.detail).toContain(down[1]);
    expect([pidOf(0), pidOf(1)]).toEqual(survivors);

    // The two left keep changing rounds and fall out of step: the network no longer seals even with a quorum back.
    await waitFor(
      'the live validators to fall out of step',
      () => [0, 1].every((i) => readFileSync(join(validatorDir(i), 'besu.log'), 'utf8').includes('no longer sealing')),
      30_000,
    );
    const stalledAt = await height(rpcUrl(0));
    thaw(2);
    const restart = await waitFor(
      'the coordinated restart',
      async () => {
        const result = await monitor.checkNetwork(network);
        return result.restarted ? result.sample : undefined;
      },
      40_000,
    );
    expect(restart).toMatchObject({ state: 'stalled', liveValidators: 3 });
    expect(pidOf(0)).not.toBe(survivors[0]);
    expect(pidOf(1)).not.toBe(survivors[1]);
    frozen.clear(); // the restart replaced the frozen process too
    await waitFor('blocks again', async () => (await height(rpcUrl(0))) > stalledAt, 30_000);
    const recovered = await waitFor(
      'the incident to close',
      async () => {
        const { sample } = await monitor.checkNetwork(network);
        return sample.state === 'producing' ? sample : undefined;
      },
      20_000,
    );
    expect(recovered.liveValidators).toBe(4);

    const history = await api.call('GET', `/v1/networks/${network.id}/health/history?hours=1`, { token: operator });
    const [incident] = history.json.incidents;
    expect(incident).toMatchObject({ kind: 'below-quorum', recovery: { attempts: 1 } });
    expect(incident.resolvedAt).not.toBeNull();
    expect(incident.timeline.map((e: { event: string }) => e.event)).toEqual([
      'validators-down',
      'quorum-back',
      'restart-scheduled',
      'restart-requested',
      'restart-finished',
      'recovered',
    ]);
    expect(history.json.items.map((i: { state: string }) => i.state)).toEqual(
      expect.arrayContaining(['producing', 'below-quorum', 'stalled']),
    );

    // Alerts land in the member's audit log, named for a notification channel to pick up.
    const audit = await api.call('GET', `/v1/orgs/${org.id}/audit`, { token: memberToken });
    const actions = audit.json.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['network.stalled', 'validator.down', 'network.recovered']));

    // And through the clinic's webhook endpoint: signed, in the order they were raised, each once.
    await deliverEvents();
    const pager = receiver.at('/pager');
    const types = pager.map((d) => d.event.type);
    expect([...types].sort()).toEqual(['network.recovered', 'network.stalled', 'validator.down', 'validator.down']);
    // Alerts written by one record (the incident) arrive in the order it raised them.
    expect(types.indexOf('network.stalled')).toBeLessThan(types.indexOf('network.recovered'));
    for (const delivery of pager) {
      expect(() =>
        verifyWebhookSignature({ payload: delivery.body, header: delivery.header, secret: endpoint.json.secret }),
      ).not.toThrow();
      expect(delivery.event).toMatchObject({ orgId: org.id, data: { networkId: network.id, alert: true } });
    }
    // Alerts of different records (validators' samples, the incident) keep no order among themselves: find by type.
    const ofType = (type: string) => pager.filter((d) => d.event.type === type).map((d) => d.event.data);
    expect(
      ofType('validator.down')
        .map((data) => data.address)
        .sort(),
    ).toEqual(down);
    expect(ofType('network.stalled')).toEqual([
      expect.objectContaining({ severity: 'critical', incidentId: incident.id }),
    ]);
    expect(ofType('network.recovered')).toEqual([
      expect.objectContaining({ severity: 'info', incidentId: incident.id }),
    ]);
    await deliverEvents();
    expect(receiver.at('/pager')).toHaveLength(4);

    const report = await api.call('GET', `/v1/orgs/${org.id}/sla-reports?month=${monthOf(Date.now())}`, {
      token: memberToken,
    });
    expect(report.status).toBe(200);
    const [reported] = report.json.report.networkIncidents;
    expect(reported).toMatchObject({ networkId: network.id, incidentId: incident.id, ongoing: false });
    expect(reported.durationMs).toBe(Date.parse(incident.resolvedAt) - Date.parse(incident.openedAt));
    expect(reported.durationMs).toBeGreaterThan(0);
  }, 180_000);
});
