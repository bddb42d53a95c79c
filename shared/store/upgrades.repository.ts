/**
 * Rolling upgrade plans in the single table (docs/architecture.md, "The single table"): `NET#<networkId>` /
 * `UPGRADE#<createdAt>#<id>`, the whole plan in one item, changed only with the version it was read at.
 */
import type { OutboxEntry } from '../domain/events.ts';
import { isActivePlan, type UpgradePlan } from '../domain/rolling-upgrade.ts';
import type { Table } from './table.ts';
import { type Versioned, VersionedRecords } from './versioned-records.ts';

export const upgradeKeys = {
  plan: (networkId: string, createdAt: string, id: string) => ({
    pk: `NET#${networkId}`,
    sk: `UPGRADE#${createdAt}#${id}`,
  }),
} as const;

export class UpgradesRepository {
  readonly #plans: VersionedRecords<UpgradePlan>;

  constructor(table: Table) {
    this.#plans = new VersionedRecords<UpgradePlan>(table, 'upgrade-plan');
  }

  async create(plan: UpgradePlan): Promise<Versioned<UpgradePlan>> {
    return this.#plans.create(keyOf(plan), plan);
  }

  async update(
    current: Versioned<UpgradePlan>,
    next: UpgradePlan,
    events: readonly OutboxEntry[] = [],
  ): Promise<Versioned<UpgradePlan>> {
    return this.#plans.update(keyOf(current), current, next, {}, events);
  }

  /** The network's plans, newest first. */
  async list(networkId: string, limit = 20): Promise<Versioned<UpgradePlan>[]> {
    return this.#plans.list(`NET#${networkId}`, 'UPGRADE#', limit);
  }

  async get(networkId: string, planId: string): Promise<Versioned<UpgradePlan> | undefined> {
    return (await this.list(networkId, 50)).find((plan) => plan.id === planId);
  }

  /** The plan that still changes the network's nodes (running, paused or rolling back), if any. */
  async active(networkId: string): Promise<Versioned<UpgradePlan> | undefined> {
    return (await this.list(networkId, 5)).find(isActivePlan);
  }
}

function keyOf(plan: Pick<UpgradePlan, 'networkId' | 'createdAt' | 'id'>) {
  return upgradeKeys.plan(plan.networkId, plan.createdAt, plan.id);
}
