/**
 * Raising a fleet alert (shared/domain/fleet-alerts.ts): an audit entry named after the alert, with `alert: true`,
 * its severity and the network in its details, in the platform's log and in the log of every organisation that has
 * a node on the network, so operators and members see it and a notification channel can pick it up by name.
 */
import { FLEET_ALERTS, type FleetAlert } from '../../../shared/domain/fleet-alerts.ts';
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

export async function raiseAlert(
  deps: AlertDeps,
  alert: FleetAlert,
  networkId: string,
  target: string,
  details: Record<string, unknown>,
): Promise<void> {
  const nodes = await deps.stores.nodes.listByNetwork(networkId);
  const orgs = new Set([PLATFORM_ORG_ID, ...nodes.filter((n) => n.state !== 'terminated').map((n) => n.orgId)]);
  const at = deps.clock().toISOString();
  const { severity, summary } = FLEET_ALERTS[alert];
  deps.logger.warn('fleet alert', { alert, networkId, target });
  for (const orgId of orgs) {
    await deps.stores.audit.append({
      orgId,
      at,
      actor: { type: 'system', id: 'fleet-operations' },
      action: alert,
      target,
      requestId: undefined,
      details: { alert: true, severity, summary, networkId, ...details },
    });
  }
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
