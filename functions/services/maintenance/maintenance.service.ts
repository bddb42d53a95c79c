/**
 * Announced maintenance of a network: time CareChain operators set aside ahead, which SLA reports leave out of
 * availability (docs/architecture.md, "Health, recovery and SLA").
 *
 * The SLA record must not be rewritten after the fact: a window is announced before it starts, and only a window
 * that has not started can be cancelled. Windows of one network do not overlap, and one lasts at most 12 hours.
 * Every announcement and cancellation is audited in the platform's log.
 */
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/errors.ts';
import type { HealthRepository, MaintenanceWindow } from '../../../shared/store/health.repository.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import { type AuditDeps, appendAudit, type ChangeAuthor } from '../audit/audit-trail.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const MAX_MAINTENANCE_MS = 12 * HOUR_MS;
/** How far ahead a window may be announced. */
const MAX_LEAD_MS = 366 * DAY_MS;
/** Clock skew allowed for a window announced to start "now". */
const START_TOLERANCE_MS = 60_000;

export interface MaintenanceDeps extends AuditDeps {
  readonly stores: AuditDeps['stores'] & { readonly networks: Pick<NetworksRepository, 'get'> };
  readonly health: Pick<
    HealthRepository,
    'listMaintenanceWindows' | 'addMaintenanceWindow' | 'getMaintenanceWindow' | 'removeMaintenanceWindow'
  >;
}

export class MaintenanceService {
  constructor(private readonly deps: MaintenanceDeps) {}

  async announce(
    author: ChangeAuthor,
    networkId: string,
    request: { start: string; end: string; description: string },
  ): Promise<MaintenanceWindow> {
    const network = await this.network(networkId);
    const now = this.deps.clock().getTime();
    const start = Date.parse(request.start);
    const end = Date.parse(request.end);
    if (start < now - START_TOLERANCE_MS) {
      throw new ValidationError('Maintenance is announced before it starts', [
        { path: 'body.start', message: 'in the past' },
      ]);
    }
    if (start > now + MAX_LEAD_MS) {
      throw new ValidationError('Maintenance is announced at most a year ahead', [
        { path: 'body.start', message: 'too far ahead' },
      ]);
    }
    if (end <= start) {
      throw new ValidationError('The window must end after it starts', [
        { path: 'body.end', message: 'not after start' },
      ]);
    }
    if (end - start > MAX_MAINTENANCE_MS) {
      throw new ValidationError('A maintenance window lasts at most 12 hours', [
        { path: 'body.end', message: 'longer than 12 hours' },
      ]);
    }
    const startIso = new Date(start).toISOString();
    const endIso = new Date(end).toISOString();
    const overlapping = await this.deps.health.listMaintenanceWindows(network.id, startIso, endIso);
    if (overlapping.length > 0) {
      throw new ConflictError(`The window overlaps maintenance ${overlapping[0]?.id} of this network`);
    }
    const window = await this.deps.health.addMaintenanceWindow({
      networkId: network.id,
      start: startIso,
      end: endIso,
      description: request.description,
    });
    await appendAudit(this.deps, author.requestId, {
      orgId: PLATFORM_ORG_ID,
      actor: author.actor,
      action: 'maintenance.announced',
      target: `${network.id}/maintenance-windows/${window.id}`,
      details: { networkId: network.id, start: window.start, end: window.end },
    });
    return window;
  }

  /** Windows touching `from`–`to`, earliest first: by default the last 31 days and the year ahead. */
  async list(networkId: string, range: { from?: string; to?: string }): Promise<MaintenanceWindow[]> {
    const network = await this.network(networkId);
    const now = this.deps.clock().getTime();
    const from = range.from ? Date.parse(range.from) : now - 31 * DAY_MS;
    const to = range.to ? Date.parse(range.to) : now + MAX_LEAD_MS;
    if (from >= to) {
      throw new ValidationError('`from` must be before `to`', [{ path: 'query.from', message: 'after to' }]);
    }
    return this.deps.health.listMaintenanceWindows(
      network.id,
      new Date(from).toISOString(),
      new Date(to).toISOString(),
    );
  }

  async cancel(author: ChangeAuthor, networkId: string, windowId: string): Promise<void> {
    await this.network(networkId);
    const window = await this.deps.health.getMaintenanceWindow(networkId, windowId);
    if (!window) throw new NotFoundError('No such maintenance window');
    if (Date.parse(window.start) <= this.deps.clock().getTime()) {
      throw new ConflictError('Maintenance that has started is part of the SLA record and stays');
    }
    await this.deps.health.removeMaintenanceWindow(window);
    await appendAudit(this.deps, author.requestId, {
      orgId: PLATFORM_ORG_ID,
      actor: author.actor,
      action: 'maintenance.cancelled',
      target: `${networkId}/maintenance-windows/${window.id}`,
      details: { networkId, start: window.start, end: window.end },
    });
  }

  private async network(networkId: string) {
    const network = await this.deps.stores.networks.get(networkId);
    if (!network) throw new NotFoundError('No such network');
    return network;
  }
}
