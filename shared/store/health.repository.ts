/**
 * Health history in the single table (docs/architecture.md, "The single table"), every write one conditional single-item write:
 *
 * - `NODE#<nodeId>` / `HEALTH#<iso ts>`: one probe's sample, kept 90 days (`expiresAt`). Written once.
 * - `NODE#<nodeId>` / `UPTIME#<yyyy-mm-dd>`: a day's downtime windows, recomputable from the samples at any time;
 *   rewritten only with the version it was read at.
 * - `ORG#<orgId>` / `SLA#<yyyy-mm>`: an organisation's signed monthly SLA report. Month-to-date reports are
 *   replaced (by version) until the final one is written; a final report is never changed.
 * - `NET#<networkId>` / `MAINTENANCE#<start>#<id>`: announced maintenance of a network, excluded from availability.
 */
import type { HealthSample } from '../domain/health.ts';
import { newId } from '../domain/ids.ts';
import type { DowntimeWindow } from '../domain/sla.ts';
import { ConditionFailedError, type Item, type Page, type Table } from './table.ts';

export const healthKeys = {
  sample: (nodeId: string, at: string) => ({ pk: `NODE#${nodeId}`, sk: `HEALTH#${at}` }),
  uptime: (nodeId: string, day: string) => ({ pk: `NODE#${nodeId}`, sk: `UPTIME#${day}` }),
  slaReport: (orgId: string, month: string) => ({ pk: `ORG#${orgId}`, sk: `SLA#${month}` }),
  maintenance: (networkId: string, start: string, id: string) => ({
    pk: `NET#${networkId}`,
    sk: `MAINTENANCE#${start}#${id}`,
  }),
} as const;

/** Samples are kept this long. @default 90 days */
export const HEALTH_RETENTION_DAYS = 90;

export interface StoredSample extends HealthSample {
  readonly nodeId: string;
  readonly orgId: string;
}

/** A node's downtime on one UTC day. */
export interface UptimeRollup {
  readonly nodeId: string;
  readonly orgId: string;
  readonly day: string;
  /** The day is over: the rollup covers all of it. */
  readonly complete: boolean;
  /** The rollup covers the day up to here (the day's end, or when it was computed). */
  readonly coveredUntil: string;
  readonly samples: number;
  readonly unhealthySamples: number;
  readonly degradedSamples: number;
  readonly rpcDowntime: readonly DowntimeWindow[];
  readonly blockDowntime: readonly DowntimeWindow[];
  readonly rpcDowntimeMs: number;
  readonly blockDowntimeMs: number;
  readonly computedAt: string;
}

export interface StoredSlaReport {
  readonly orgId: string;
  readonly month: string;
  readonly final: boolean;
  /** Canonical JSON of the report: exactly the bytes that were signed. */
  readonly payload: string;
  readonly signature: string;
  readonly signer: string;
  readonly generatedAt: string;
}

export interface MaintenanceWindow {
  readonly id: string;
  readonly networkId: string;
  readonly start: string;
  readonly end: string;
  readonly description: string;
}

type SampleItem = Item & StoredSample & { type: 'health-sample'; expiresAt: number };
type UptimeItem = Item & UptimeRollup & { type: 'uptime'; version: number };
type ReportItem = Item & StoredSlaReport & { type: 'sla-report'; version: number };
type MaintenanceItem = Item & MaintenanceWindow & { type: 'maintenance' };

export class HealthRepository {
  constructor(
    private readonly table: Table,
    private readonly retentionDays = HEALTH_RETENTION_DAYS,
  ) {}

  /** Records a sample; a second write of the same probe (a retried cycle) changes nothing. */
  async putSample(sample: StoredSample): Promise<void> {
    const expiresAt = Math.floor(Date.parse(sample.at) / 1000) + this.retentionDays * 86_400;
    try {
      await this.table.create<SampleItem>({
        ...healthKeys.sample(sample.nodeId, sample.at),
        ...sample,
        type: 'health-sample',
        expiresAt,
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  async latestSample(nodeId: string): Promise<StoredSample | undefined> {
    const page = await this.table.query<SampleItem>(`NODE#${nodeId}`, {
      beginsWith: 'HEALTH#',
      newestFirst: true,
      limit: 1,
    });
    return page.items[0] ? toSample(page.items[0]) : undefined;
  }

  /** The last sample strictly before `at`, if any (what a day starts from). */
  async sampleBefore(nodeId: string, at: string): Promise<StoredSample | undefined> {
    const before = new Date(Date.parse(at) - 1).toISOString();
    const page = await this.table.query<SampleItem>(`NODE#${nodeId}`, {
      between: ['HEALTH#', `HEALTH#${before}`],
      newestFirst: true,
      limit: 1,
    });
    return page.items[0] ? toSample(page.items[0]) : undefined;
  }

  /** Samples with `from <= at < to`, a page at a time. */
  async listSamples(
    nodeId: string,
    from: string,
    to: string,
    options: { limit?: number; cursor?: string; newestFirst?: boolean } = {},
  ): Promise<Page<StoredSample>> {
    const page = await this.table.query<SampleItem>(`NODE#${nodeId}`, {
      between: [`HEALTH#${from}`, `HEALTH#${justBefore(to)}`],
      limit: options.limit,
      cursor: options.cursor,
      newestFirst: options.newestFirst,
    });
    return { items: page.items.map(toSample), cursor: page.cursor };
  }

  /** Every sample with `from <= at < to`: for one day's rollup (a few thousand at most). */
  async allSamples(nodeId: string, from: string, to: string): Promise<StoredSample[]> {
    const items = await this.table.queryAll<SampleItem>(`NODE#${nodeId}`, {
      between: [`HEALTH#${from}`, `HEALTH#${justBefore(to)}`],
    });
    return items.map(toSample);
  }

  async getRollup(nodeId: string, day: string): Promise<(UptimeRollup & { version: number }) | undefined> {
    const item = await this.table.get<UptimeItem>(healthKeys.uptime(nodeId, day));
    return item ? { ...toRollup(item), version: item.version } : undefined;
  }

  async listRollups(nodeId: string, fromDay: string, toDay: string): Promise<UptimeRollup[]> {
    const items = await this.table.queryAll<UptimeItem>(`NODE#${nodeId}`, {
      between: [`UPTIME#${fromDay}`, `UPTIME#${toDay}`],
    });
    return items.map(toRollup);
  }

  /**
   * Writes a day's rollup: created if new, else replaced when it still has the version read. A complete rollup is
   * replaced only by another complete one, so a late month-to-date computation never undoes a finished day.
   */
  async saveRollup(rollup: UptimeRollup): Promise<void> {
    const key = healthKeys.uptime(rollup.nodeId, rollup.day);
    const existing = await this.getRollup(rollup.nodeId, rollup.day);
    if (!existing) {
      try {
        await this.table.create<UptimeItem>({ ...key, ...rollup, type: 'uptime', version: 1 });
        return;
      } catch (error) {
        if (error instanceof ConditionFailedError) return; // another run wrote it first from the same samples
        throw error;
      }
    }
    if (existing.complete && !rollup.complete) return;
    await this.table.update(key, existing.version, { ...rollup }).catch((error: unknown) => {
      if (!(error instanceof ConditionFailedError)) throw error;
    });
  }

  async getReport(orgId: string, month: string): Promise<StoredSlaReport | undefined> {
    const item = await this.table.get<ReportItem>(healthKeys.slaReport(orgId, month));
    return item ? toReport(item) : undefined;
  }

  /**
   * Stores a signed report. A final report is written once and then kept as it is: the answer is whatever report
   * is stored after the call (the caller's, or a final one that was there first).
   */
  async saveReport(report: StoredSlaReport): Promise<StoredSlaReport> {
    const key = healthKeys.slaReport(report.orgId, report.month);
    const existing = await this.table.get<ReportItem>(key);
    try {
      if (!existing) {
        await this.table.create<ReportItem>({ ...key, ...report, type: 'sla-report', version: 1 });
        return report;
      }
      if (existing.final) return toReport(existing);
      await this.table.update(key, existing.version, { ...report });
      return report;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const winner = await this.getReport(report.orgId, report.month);
      if (!winner) throw error;
      return winner;
    }
  }

  async addMaintenanceWindow(window: Omit<MaintenanceWindow, 'id'>): Promise<MaintenanceWindow> {
    const full: MaintenanceWindow = { ...window, id: newId('maintenanceWindow') };
    await this.table.create<MaintenanceItem>({
      ...healthKeys.maintenance(window.networkId, window.start, full.id),
      ...full,
      type: 'maintenance',
    });
    return full;
  }

  async getMaintenanceWindow(networkId: string, id: string): Promise<MaintenanceWindow | undefined> {
    const items = await this.table.queryAll<MaintenanceItem>(`NET#${networkId}`, { beginsWith: 'MAINTENANCE#' });
    const item = items.find((candidate) => candidate.id === id);
    return item && toMaintenanceWindow(item);
  }

  /** Removes a window; false when it was gone already. */
  async removeMaintenanceWindow(window: MaintenanceWindow): Promise<boolean> {
    return this.table.delete(healthKeys.maintenance(window.networkId, window.start, window.id));
  }

  /** Maintenance of a network overlapping [from, to). */
  async listMaintenanceWindows(networkId: string, from: string, to: string): Promise<MaintenanceWindow[]> {
    const items = await this.table.queryAll<MaintenanceItem>(`NET#${networkId}`, {
      between: ['MAINTENANCE#', `MAINTENANCE#${to}`],
    });
    return items.filter((item) => item.end > from && item.start < to).map(toMaintenanceWindow);
  }
}

function toMaintenanceWindow(item: MaintenanceItem): MaintenanceWindow {
  return { id: item.id, networkId: item.networkId, start: item.start, end: item.end, description: item.description };
}

function justBefore(iso: string): string {
  return new Date(Date.parse(iso) - 1).toISOString();
}

function toSample(item: SampleItem): StoredSample {
  const { pk: _pk, sk: _sk, type: _type, expiresAt: _expiresAt, ...sample } = item;
  return sample;
}

function toRollup(item: UptimeItem): UptimeRollup {
  return {
    nodeId: item.nodeId,
    orgId: item.orgId,
    day: item.day,
    complete: item.complete,
    coveredUntil: item.coveredUntil,
    samples: item.samples,
    unhealthySamples: item.unhealthySamples,
    degradedSamples: item.degradedSamples,
    rpcDowntime: item.rpcDowntime,
    blockDowntime: item.blockDowntime,
    rpcDowntimeMs: item.rpcDowntimeMs,
    blockDowntimeMs: item.blockDowntimeMs,
    computedAt: item.computedAt,
  };
}

function toReport(item: ReportItem): StoredSlaReport {
  return {
    orgId: item.orgId,
    month: item.month,
    final: item.final,
    payload: item.payload,
    signature: item.signature,
    signer: item.signer,
    generatedAt: item.generatedAt,
  };
}
