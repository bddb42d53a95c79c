/**
 * Node-hours come from the node lifecycle, per size, to the second: the clock starts when a managed node enters a
 * billed state, each second lands in the hour it was used, time after the node stopped is never charged, and two
 * runs at once never count the same time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accrueNodeHours, billedStretches, secondsPerHour } from '../../../functions/jobs/node-hours.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { UsageRepository } from '../../../shared/metering/usage.repository.ts';
import { UsageMeter } from '../../../shared/metering/usage-meter.ts';
import { usageSeries } from '../../../shared/metering/usage-series.ts';
import { createLogger } from '../../../shared/observability/logger.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

let now = new Date('2026-11-24T09:40:00Z');
const clock = () => new Date(now);
let api: TestApi;
let usage: UsageMeter;
let records: UsageRepository;

beforeAll(async () => {
  api = await startTestApi({ clock });
  records = new UsageRepository(api.table, clock);
  usage = new UsageMeter({ store: records, clock });
});
afterAll(() => api.close());

function managedNode(orgId: string, size: NodeRecord['size']): NodeRecord {
  const at = clock().toISOString();
  return {
    id: newId('node'),
    orgId,
    networkId: 'net_aaaaaaaaaaaaaaaaaaaa',
    name: 'billed',
    role: 'member',
    hosting: 'managed',
    size,
    region: 'eu-north-1',
    runtime: 'anvil',
    state: 'requested',
    desiredState: 'running',
    reason: undefined,
    endpoints: { rpcUrl: undefined, p2pPort: undefined },
    enode: undefined,
    validatorAddress: undefined,
    providerRef: undefined,
    createdAt: at,
    updatedAt: at,
    stateChangedAt: at,
    version: 1,
  };
}

const deps = () => ({ nodes: api.stores.nodes, usage, clock, logger: createLogger({ level: 'silent' }) });

async function metered(orgId: string) {
  await usage.flush();
  const series = await usageSeries(records, orgId, new Date('2026-11-24T00:00:00Z'), clock(), 'hour', clock);
  const byHour = (meter: 'node_hours' | 'node_hours_medium' | 'node_hours_small') =>
    Object.fromEntries(series.meters[meter].points.filter((p) => p.value > 0).map((p) => [p.start, p.value]));
  return { total: byHour('node_hours'), medium: byHour('node_hours_medium'), small: byHour('node_hours_small') };
}

describe('node-hours', () => {
  it('splits an interval into whole seconds per hour', () => {
    expect(secondsPerHour(new Date('2026-11-24T09:59:30Z'), new Date('2026-11-24T11:00:10Z'))).toEqual([
      { hourStart: new Date('2026-11-24T09:00:00Z'), seconds: 30 },
      { hourStart: new Date('2026-11-24T10:00:00Z'), seconds: 3600 },
      { hourStart: new Date('2026-11-24T11:00:00Z'), seconds: 10 },
    ]);
  });

  it('meters a medium node from the moment it starts until it stops, hour by hour', async () => {
    const { token } = await api.signup();
    const org = await api.createOrg(token);
    let node = await api.stores.nodes.create(managedNode(org.id, 'medium'));
    node = await api.stores.nodes.transition(node, 'provisioning');
    now = new Date('2026-11-24T09:45:00Z');
    await accrueNodeHours(deps()); // provisioning is not billed
    node = await api.stores.nodes.transition(node, 'starting'); // 09:45:00: the clock starts
    now = new Date('2026-11-24T09:45:20Z');
    node = await api.stores.nodes.transition(node, 'running');
    now = new Date('2026-11-24T10:30:00Z');
    // Two runs at once: only one of them may meter the interval.
    await Promise.all([accrueNodeHours(deps()), accrueNodeHours(deps())]);
    node = (await api.stores.nodes.get(org.id, node.id)) as NodeRecord;
    now = new Date('2026-11-24T10:50:00Z');
    node = await api.stores.nodes.transition(node, 'stopping');
    now = new Date('2026-11-24T10:50:07Z');
    node = await api.stores.nodes.transition(node, 'stopped'); // billed until 10:50:07
    now = new Date('2026-11-24T12:00:00Z');
    await accrueNodeHours(deps());
    await accrueNodeHours(deps()); // nothing more: the node is stopped

    const usageNow = await metered(org.id);
    expect(usageNow.total).toEqual({ '2026-11-24T09:00Z': 15 * 60, '2026-11-24T10:00Z': 50 * 60 + 7 });
    expect(usageNow.medium).toEqual(usageNow.total);
    expect(usageNow.small).toEqual({});
  });

  it('charges a stopped node nothing for the time before it is deleted, even with no run in between', async () => {
    now = new Date('2026-11-24T13:00:00Z');
    const { token } = await api.signup();
    const org = await api.createOrg(token);
    let node = await api.stores.nodes.create(managedNode(org.id, 'small'));
    node = await api.stores.nodes.transition(node, 'provisioning');
    node = await api.stores.nodes.transition(node, 'starting'); // 13:00:00
    node = await api.stores.nodes.transition(node, 'running');
    now = new Date('2026-11-24T13:10:00Z');
    node = await api.stores.nodes.transition(node, 'stopping');
    node = await api.stores.nodes.transition(node, 'stopped'); // billed until 13:10:00
    now = new Date('2026-11-24T13:40:00Z');
    node = await api.stores.nodes.transition(node, 'deprovisioning'); // half an hour stopped, not billed
    now = new Date('2026-11-24T14:00:00Z');
    await accrueNodeHours(deps());
    expect((await metered(org.id)).total).toEqual({ '2026-11-24T13:00Z': 10 * 60 });
  });

  it('meters both stretches of a node stopped and started again between two runs, and not the time between', async () => {
    now = new Date('2026-11-24T15:00:00Z');
    const { token } = await api.signup();
    const org = await api.createOrg(token);
    let node = await api.stores.nodes.create(managedNode(org.id, 'small'));
    node = await api.stores.nodes.transition(node, 'provisioning');
    node = await api.stores.nodes.transition(node, 'starting'); // 15:00 billed
    node = await api.stores.nodes.transition(node, 'running');
    now = new Date('2026-11-24T15:20:00Z');
    node = await api.stores.nodes.transition(node, 'stopping');
    node = await api.stores.nodes.transition(node, 'stopped'); // 15:20 out
    now = new Date('2026-11-24T15:50:00Z');
    node = await api.stores.nodes.transition(node, 'starting'); // 15:50 billed again
    node = await api.stores.nodes.transition(node, 'running');
    now = new Date('2026-11-24T16:05:00Z');
    node = await api.stores.nodes.transition(node, 'stopping');
    node = await api.stores.nodes.transition(node, 'stopped'); // 16:05 out
    now = new Date('2026-11-24T16:10:00Z');
    node = await api.stores.nodes.transition(node, 'starting'); // 16:10 billed again
    now = new Date('2026-11-24T16:30:00Z');
    await accrueNodeHours(deps()); // the first run sees all of it
    now = new Date('2026-11-24T16:40:00Z');
    await accrueNodeHours(deps());

    // 15:00–15:20 and 15:50–16:05 and 16:10–16:40: 20 + 10 minutes in the 15:00 hour, 5 + 30 in the 16:00 hour.
    expect((await metered(org.id)).total).toEqual({
      '2026-11-24T15:00Z': 30 * 60,
      '2026-11-24T16:00Z': 35 * 60,
    });
    const stored = (await api.stores.nodes.get(org.id, node.id)) as NodeRecord;
    expect(stored.unbilledGaps).toBeUndefined();
    expect(stored.meteredUntil).toBe('2026-11-24T16:40:00.000Z');
  });

  it('subtracts unbilled gaps from a stretch, whatever their order and overlap', () => {
    const gaps = [
      { from: '2026-11-24T10:30:00Z', to: '2026-11-24T10:40:00Z' },
      { from: '2026-11-24T10:05:00Z', to: '2026-11-24T10:10:00Z' },
      { from: '2026-11-24T09:00:00Z', to: '2026-11-24T09:30:00Z' },
    ];
    expect(billedStretches('2026-11-24T10:00:00Z', '2026-11-24T11:00:00Z', gaps)).toEqual([
      ['2026-11-24T10:00:00Z', '2026-11-24T10:05:00Z'],
      ['2026-11-24T10:10:00Z', '2026-11-24T10:30:00Z'],
      ['2026-11-24T10:40:00Z', '2026-11-24T11:00:00Z'],
    ]);
    expect(billedStretches('2026-11-24T10:00:00Z', '2026-11-24T10:35:00Z', gaps).at(-1)).toEqual([
      '2026-11-24T10:10:00Z',
      '2026-11-24T10:30:00Z',
    ]);
  });

  it('does not meter the platform’s own nodes (a network’s genesis validators)', async () => {
    let node = await api.stores.nodes.create({ ...managedNode('platform', 'medium'), role: 'validator' });
    node = await api.stores.nodes.transition(node, 'provisioning');
    node = await api.stores.nodes.transition(node, 'starting');
    node = await api.stores.nodes.transition(node, 'running');
    expect(node.meteredUntil).toBeDefined();
    now = new Date(now.getTime() + 3_600_000);
    await accrueNodeHours(deps());
    expect((await metered('platform')).total).toEqual({});
  });

  it('does not meter self-hosted nodes', async () => {
    const { token } = await api.signup();
    const org = await api.createOrg(token);
    let node = await api.stores.nodes.create({ ...managedNode(org.id, 'small'), hosting: 'self-hosted' });
    node = await api.stores.nodes.transition(node, 'provisioning');
    node = await api.stores.nodes.transition(node, 'starting');
    now = new Date(now.getTime() + 3_600_000);
    await accrueNodeHours(deps());
    expect((await metered(org.id)).total).toEqual({});
  });
});
