/**
 * Network health history and incidents in the single table (docs/architecture.md, "The single table"), every write
 * one conditional single-item write:
 *
 * - `NET#<networkId>` / `NETHEALTH#<iso ts>`: one look at a network (its state, head, validators), kept 30 days.
 * - `NET#<networkId>` / `INCIDENT#<openedAt>#<id>`: an incident with its timeline, changed by version.
 */

import type { OutboxEntry } from '../domain/events.ts';
import type { NetworkHealthSample } from '../domain/network-health.ts';
import type { NetworkIncident } from '../domain/network-incident.ts';
import { ConditionFailedError, type Item, outboxAttributes, type Table } from './table.ts';
import { type Versioned, VersionedRecords } from './versioned-records.ts';

/** Samples are kept this long. @default 30 days */
export const NETWORK_HEALTH_RETENTION_DAYS = 30;

export const networkHealthKeys = {
  sample: (networkId: string, at: string) => ({ pk: `NET#${networkId}`, sk: `NETHEALTH#${at}` }),
  incident: (networkId: string, openedAt: string, id: string) => ({
    pk: `NET#${networkId}`,
    sk: `INCIDENT#${openedAt}#${id}`,
  }),
} as const;

type SampleItem = Item & { sample: NetworkHealthSample; expiresAt: number };

/** Incidents kept open are read from the newest few; a network has at most one open at a time. */
const OPEN_LOOKBACK = 5;

export class NetworkHealthRepository {
  readonly #incidents: VersionedRecords<NetworkIncident>;

  constructor(
    private readonly table: Table,
    private readonly retentionDays = NETWORK_HEALTH_RETENTION_DAYS,
  ) {
    this.#incidents = new VersionedRecords<NetworkIncident>(table, 'network-incident');
  }

  /**
   * Records a sample, with the events (alerts) it causes; the same instant written twice (a retried pass) changes
   * nothing.
   */
  async putSample(sample: NetworkHealthSample, events: readonly OutboxEntry[] = []): Promise<void> {
    const key = networkHealthKeys.sample(sample.networkId, sample.at);
    const expiresAt = Math.floor(Date.parse(sample.at) / 1000) + this.retentionDays * 86_400;
    try {
      await this.table.create<SampleItem>({
        ...key,
        ...outboxAttributes(key, events),
        type: 'network-health',
        sample,
        expiresAt,
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  async latestSample(networkId: string): Promise<NetworkHealthSample | undefined> {
    const page = await this.table.query<SampleItem>(`NET#${networkId}`, {
      beginsWith: 'NETHEALTH#',
      newestFirst: true,
      limit: 1,
    });
    return page.items[0]?.sample;
  }

  /** Samples with `from <= at < to`, newest first, at most `limit`. */
  async samples(networkId: string, from: string, to: string, limit: number): Promise<NetworkHealthSample[]> {
    const before = new Date(Date.parse(to) - 1).toISOString();
    const page = await this.table.query<SampleItem>(`NET#${networkId}`, {
      between: [`NETHEALTH#${from}`, `NETHEALTH#${before}`],
      newestFirst: true,
      limit,
    });
    return page.items.map((item) => item.sample);
  }

  async createIncident(
    incident: NetworkIncident,
    events: readonly OutboxEntry[] = [],
  ): Promise<Versioned<NetworkIncident>> {
    return this.#incidents.create(this.#key(incident), incident, {}, events);
  }

  async updateIncident(
    current: Versioned<NetworkIncident>,
    next: NetworkIncident,
    events: readonly OutboxEntry[] = [],
  ): Promise<Versioned<NetworkIncident>> {
    return this.#incidents.update(this.#key(current), current, next, {}, events);
  }

  async getIncident(networkId: string, incidentId: string): Promise<Versioned<NetworkIncident> | undefined> {
    return (await this.incidents(networkId, 50)).find((incident) => incident.id === incidentId);
  }

  /** The network's open incident, if any. */
  async openIncident(networkId: string): Promise<Versioned<NetworkIncident> | undefined> {
    return (await this.incidents(networkId, OPEN_LOOKBACK)).find((incident) => incident.resolvedAt === undefined);
  }

  /** The newest incidents first. */
  async incidents(networkId: string, limit: number): Promise<Versioned<NetworkIncident>[]> {
    return this.#incidents.list(`NET#${networkId}`, 'INCIDENT#', limit);
  }

  /** Incidents that overlap [from, to): opened before `to` and not resolved before `from`. */
  async incidentsDuring(networkId: string, from: string, to: string): Promise<NetworkIncident[]> {
    const opened = await this.#incidents.between(`NET#${networkId}`, 'INCIDENT#', `INCIDENT#${to}`);
    return opened.filter((incident) => (incident.resolvedAt ?? '9999') > from && incident.openedAt < to);
  }

  #key(incident: Pick<NetworkIncident, 'networkId' | 'openedAt' | 'id'>) {
    return networkHealthKeys.incident(incident.networkId, incident.openedAt, incident.id);
  }
}
