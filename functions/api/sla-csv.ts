/**
 * An SLA report as CSV (RFC 4180), for spreadsheets: the signed JSON is the authoritative form, and this is how the
 * API renders it for `Accept: text/csv`.
 */
import type { SlaReport } from '../../shared/schemas/health.schemas.ts';
import { type CsvRow, csvTable } from './csv.ts';

const CSV_COLUMNS = [
  'record',
  'org_id',
  'month',
  'final',
  'node_id',
  'node_name',
  'network_id',
  'hosting',
  'covered',
  'period_start',
  'period_end',
  'eligible_ms',
  'rpc_downtime_ms',
  'rpc_availability_percent',
  'block_downtime_ms',
  'block_production_percent',
  'target_percent',
  'met_target',
  'credit_percent',
  'credit_sek',
  'window_start',
  'window_end',
  'window_duration_ms',
  'reason',
] as const;

/**
 * The report as CSV (RFC 4180): one `node` row per node, then one row per downtime window (`rpc_downtime`,
 * `block_downtime`). The signed JSON is the authoritative form; this is for spreadsheets.
 */
export function renderSlaCsv(report: SlaReport): string {
  const base = { org_id: report.orgId, month: report.month, final: report.final };
  const rows: CsvRow<(typeof CSV_COLUMNS)[number]>[] = [];
  for (const node of report.nodes) {
    const who = { ...base, node_id: node.nodeId, node_name: node.name, network_id: node.networkId };
    rows.push({
      record: 'node',
      ...who,
      hosting: node.hosting,
      covered: node.covered,
      period_start: node.periodStart,
      period_end: node.periodEnd,
      eligible_ms: node.eligibleMs,
      rpc_downtime_ms: node.rpc.downtimeMs,
      rpc_availability_percent: node.rpc.availabilityPercent,
      block_downtime_ms: node.blockProduction.downtimeMs,
      block_production_percent: node.blockProduction.availabilityPercent,
      target_percent: node.targetPercent,
      met_target: node.metTarget,
      credit_percent: node.creditPercent,
      credit_sek: node.creditOre === null ? null : (node.creditOre / 100).toFixed(2),
    });
    for (const [record, windows] of [
      ['rpc_downtime', node.rpc.windows],
      ['block_downtime', node.blockProduction.windows],
    ] as const) {
      for (const w of windows) {
        rows.push({
          record,
          ...who,
          window_start: w.start,
          window_end: w.end,
          window_duration_ms: w.durationMs,
          reason: w.reason,
        });
      }
    }
  }
  return csvTable(CSV_COLUMNS, rows);
}
