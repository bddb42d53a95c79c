/**
 * The alerts fleet operations raise (docs/architecture.md, "Fleet operations"). Each is recorded as an audit entry
 * whose action is the alert's name and whose details carry `alert: true`, the severity and the network, in the log
 * of the platform and of every organisation with a node on the network. A notification channel (webhooks) picks
 * them up by these names.
 */
export const FLEET_ALERTS = {
  'network.stalled': { severity: 'critical', summary: 'A network stopped sealing blocks' },
  'network.recovered': { severity: 'info', summary: 'A network seals blocks again' },
  'validator.down': { severity: 'warning', summary: 'A validator of a network does not answer' },
  'upgrade.paused': { severity: 'warning', summary: 'A rolling Besu upgrade paused on a failure' },
  'backup.failed': { severity: 'warning', summary: 'A scheduled or requested network backup failed' },
} as const;

export type FleetAlert = keyof typeof FLEET_ALERTS;
export const FLEET_ALERT_NAMES = Object.keys(FLEET_ALERTS) as FleetAlert[];
export type AlertSeverity = (typeof FLEET_ALERTS)[FleetAlert]['severity'];
