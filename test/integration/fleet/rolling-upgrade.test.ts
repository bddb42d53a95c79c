/**
 * A rolling Besu upgrade of a local QBFT network (four validators the platform runs, two members' managed nodes)
 * from the stand-in's 25.10.0 to 26.6.0, through the API and the upgrade runner, with the provider's record of every
 * node stop and start: members first, validators last, never two validators down at once, the compatibility flag
 * of that step on every upgraded node; a start failure injected at the third node pauses the plan and raises the
 * `upgrade.paused` alert; resumed, the plan finishes and the network records its new release. A step the
 * compatibility table refuses (to 26.1.0) is refused with the reason. The stand-in proves the control plane's
 * handling, not Besu's behaviour across versions.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpgradeRunner } from '../../../functions/jobs/fleet/upgrade-runner.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import type { UpgradePlan } from '../../../shared/domain/rolling-upgrade.ts';
import { STAND_IN_VERSION, writeBesuStandIn } from '../providers/besu-stand-in.ts';
import { rpc, waitFor } from '../providers/besu-test-support.ts';
import { type FleetTestNetwork, startFleetTestNetwork } from './fleet-test-network.ts';

const TARGET = '26.6.0';
let net: FleetTestNetwork;
let sha256: string;

/** Besu's release tarball layout (`besu-<version>/bin/besu`), with the stand-in reporting `version`. */
async function releaseTarball(dataDir: string, version: string): Promise<string> {
  const staging = await mkdtemp(join(tmpdir(), 'carechain-release-'));
  const bin = join(staging, `besu-${version}`, 'bin');
  await mkdir(bin, { recursive: true });
  await writeBesuStandIn(bin, { version });
  const releases = join(dataDir, 'besu-releases');
  await mkdir(releases, { recursive: true });
  const file = join(releases, `besu-${version}.tar.gz`);
  await createTar({ gzip: true, file, cwd: staging }, [`besu-${version}`]);
  await rm(staging, { recursive: true, force: true });
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

beforeAll(async () => {
  net = await startFleetTestNetwork('upgrade-lab');
  sha256 = await releaseTarball(net.dataDir, TARGET);
}, 60_000);
afterAll(async () => {
  await net?.close();
});

describe('a rolling Besu upgrade', () => {
  it('refuses a version step the compatibility table forbids, with the reason', async () => {
    const operator = await net.api.loginOperator();
    const refused = await net.api.call('POST', `/v1/networks/${net.network.id}/upgrades`, {
      token: operator,
      body: { version: '26.1.0', sha256: 'a'.repeat(64) },
    });
    expect(refused.status).toBe(409);
    expect(refused.json.detail).toContain('26.1.0 changed how QBFT proposals and round changes are encoded');
  });

  it('upgrades members first and validators one at a time, pauses on a failure at node 3, and finishes when resumed', async () => {
    const { api, network } = net;
    const { token } = await api.signup('Upgrade Clinic Admin');
    const org = await api.createOrg(token, 'Upgrade Clinic');
    const members = [await net.memberNode(org.id), await net.memberNode(org.id)];
    const operator = await api.loginOperator();
    await waitFor(
      'blocks',
      async () => Number(await rpc(members[0]?.endpoints.rpcUrl as string, 'eth_blockNumber')) > 1,
    );

    const planned = await api.call('POST', `/v1/networks/${network.id}/upgrades`, {
      token: operator,
      body: { version: TARGET, sha256 },
    });
    expect(planned.status).toBe(201);
    const plan = planned.json as UpgradePlan;
    expect(plan.from.version).toBe(STAND_IN_VERSION);
    expect(plan.flags).toEqual(['--Xbft-legacy-protocol-encoding']);
    expect(plan.steps.map((s) => s.kind)).toEqual([
      'member',
      'member',
      'validator',
      'validator',
      'validator',
      'validator',
    ]);
    const validatorIds = new Set(plan.steps.filter((s) => s.kind === 'validator').map((s) => s.nodeId));

    // The third node (the first validator) refuses to start on the new version.
    const third = plan.steps[2] as UpgradePlan['steps'][number];
    const thirdIndex = Number(/^genesis-validator-(\d+)-/.exec(third.nodeId)?.[1]);
    const refuseFile = join(net.validatorDataDir(thirdIndex), 'stand-in-refuse-start');
    await writeFile(refuseFile, `${TARGET}\n`);

    const runner = new UpgradeRunner({
      stores: api.stores,
      fleet: net.fleet,
      logger: api.deps.logger,
      clock: () => new Date(),
      verifyTimeoutMs: 30_000,
      marginWaitMs: 60_000,
      timeoutMs: 1_000,
    });
    const runUntil = (state: string) =>
      waitFor(
        `the plan to be ${state}`,
        async () => {
          await runner.runPass();
          const current = await api.stores.upgrades.get(network.id, plan.id);
          return current?.state === state ? current : undefined;
        },
        120_000,
      );

    const pausedPlan = await runUntil('paused');
    expect(pausedPlan.steps.map((s) => s.state)).toEqual(['done', 'done', 'failed', 'pending', 'pending', 'pending']);
    expect(pausedPlan.pausedReason).toContain(third.name);
    const platformLog = await api.stores.audit.list(PLATFORM_ORG_ID, { limit: 50 });
    const alert = platformLog.items.find((e) => e.action === 'upgrade.paused');
    expect(alert?.details).toMatchObject({ alert: true, planId: plan.id, nodeId: third.nodeId });
    const memberLog = await api.call('GET', `/v1/orgs/${org.id}/audit`, { token });
    expect(memberLog.json.items.map((e: { action: string }) => e.action)).toContain('upgrade.paused');
    // The alert is an event of the member too, written with the paused plan (webhooks deliver it).
    expect(await net.waitingEvents()).toContainEqual(
      expect.objectContaining({
        type: 'upgrade.paused',
        orgId: org.id,
        data: expect.objectContaining({ planId: plan.id }),
      }),
    );

    await rm(refuseFile);
    const resumed = await api.call('POST', `/v1/networks/${network.id}/upgrades/${plan.id}/resume`, {
      token: operator,
    });
    expect(resumed.status).toBe(200);
    const completed = await runUntil('completed');
    expect(completed.steps.every((s) => s.state === 'done')).toBe(true);
    expect((await api.stores.networks.get(network.id))?.besuRelease).toEqual({ version: TARGET, sha256 });
    for (const member of await net.fleet.members((await api.stores.networks.get(network.id)) ?? network)) {
      expect(await rpc(member.rpcUrl as string, 'web3_clientVersion')).toContain(`besu/v${TARGET}/`);
    }

    // Every stop and start the provider reported: the validators were taken down one at a time, after the members.
    let down = new Set<string>();
    let mostDown = 0;
    for (const event of net.events) {
      if (!validatorIds.has(event.nodeId)) continue;
      if (event.type === 'node-stopping' || event.type === 'node-exited' || event.type === 'node-stopped') {
        down = new Set([...down, event.nodeId]);
      }
      if (event.type === 'node-started' || event.type === 'node-restarted' || event.type === 'node-adopted') {
        down = new Set([...down].filter((id) => id !== event.nodeId));
      }
      mostDown = Math.max(mostDown, down.size);
    }
    expect(mostDown).toBe(1);
    const firstValidatorStop = net.events.findIndex((e) => e.type === 'node-stopping' && validatorIds.has(e.nodeId));
    const lastMemberStart = net.events.findLastIndex(
      (e) => e.type === 'node-started' && members.some((m) => m.id === e.nodeId),
    );
    expect(firstValidatorStop).toBeGreaterThan(lastMemberStart);
    for (const id of validatorIds) {
      expect(net.events.some((e) => e.type === 'node-stopping' && e.nodeId === id)).toBe(true);
    }
  }, 300_000);
});
