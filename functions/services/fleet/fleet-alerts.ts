/**
 * Raising fleet alerts (shared/domain/fleet-alerts.ts). Each alert is an event of the same name (webhooks) for every
 * member organisation with a node on the network, written into the outbox of the record whose change raises it, by
 * that very conditional write (an incident opened or closed, a health sample, a paused plan, a failed backup): the
 * change and its alerts exist together or not at all. After the write, the alert is also an audit entry named after
 * it, with `alert: true`, its severity and the network in its details, in the platform's log and in each of those
 * organisations' logs, where operators and members see it.
 */

import { type OutboxEntry, outboxFor, type PlatformEvent } from '../../../shared/domain/events.ts';
import { FLEET_ALERTS, type FleetAlert } from '../../../shared/domain/fleet-alerts.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import type { Logger } from '../../../shared/observability/logger.ts';
import type { AuditRepository } from '../../../shared/store/audit.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';

export interface AlertDeps {
  readonly stores: {
    readonly audit: Pick<AuditRepository, 'append'>;
    readonly nodes: Pick<NodesRepository, 'listByNetwork'>;
  };
  readonly clock: () => Date;
  readonly logger: Logger;
}

/** One alert to raise: which, about what (a network, a validator address, a plan, a backup), with what details. */
export interface RaisedAlert {
  readonly alert: FleetAlert;
  readonly target: string;
  readonly details: Record<string, unknown>;
}

/**
 * Raises `alerts` about a network with the write that causes them: `write` gets their outbox entries and must put
 * them in its conditional write; the audit entries follow once it succeeded. Answers what `write` answered.
 */
export async function raiseAlerts<T>(
  deps: AlertDeps,
  networkId: string,
  alerts: readonly RaisedAlert[],
  write: (events: readonly OutboxEntry[]) => Promise<T>,
): Promise<T> {
  if (alerts.length === 0) return write([]);
  const nodes = await deps.stores.nodes.listByNetwork(networkId);
  const members = [...new Set(nodes.filter((n) => n.state !== 'terminated').map((n) => n.orgId))].sort();
  const at = deps.clock().toISOString();
  const described = alerts.map(({ alert, target, details }) => {
    const { severity, summary } = FLEET_ALERTS[alert];
    return { alert, target, id: newId('event'), details: { alert: true, severity, summary, networkId, ...details } };
  });
  const events = described.flatMap(({ alert, target, id, details }) =>
    members.map((orgId): PlatformEvent => ({ id, type: alert, createdAt: at, orgId, data: { ...details, target } })),
  );
  const result = await write(outboxFor(events));
  for (const { alert, target, details } of described) {
    deps.logger.warn('fleet alert', { alert, networkId, target });
    for (const orgId of [PLATFORM_ORG_ID, ...members]) {
      await deps.stores.audit.append({
        orgId,
        at,
        actor: { type: 'system', id: 'fleet-operations' },
        action: alert,
        target,
        requestId: undefined,
        details,
      });
    }
  }
  return result;
}

/** An entry in the platform's audit log by one of the fleet's jobs (what it did, not an alert). */
export async function auditFleetJob(
  deps: Pick<AlertDeps, 'clock'> & { readonly stores: { readonly audit: Pick<AuditRepository, 'append'> } },
  job: string,
  action: string,
  networkId: string,
  details: Record<string, unknown>,
): Promise<void> {
  await deps.stores.audit.append({
    orgId: PLATFORM_ORG_ID,
    at: deps.clock().toISOString(),
    actor: { type: 'system', id: job },
    action,
    target: networkId,
    requestId: undefined,
    details,
  });
}
