/**
 * A data-protection report as CSV for spreadsheets: one `count` row per detector, outcome and channel, then the
 * policies, patterns and exemptions it names. The signed JSON is the authoritative form.
 */
import type { DataProtectionReport } from '../../shared/schemas/data-protection.schemas.ts';
import { type CsvRow, csvTable } from './csv.ts';

const COLUMNS = [
  'record',
  'org_id',
  'month',
  'final',
  'detector',
  'outcome',
  'channel',
  'requests',
  'findings',
  'distinct_values',
  'network_id',
  'network_name',
  'mode',
  'contract',
  'state',
  'id',
  'name',
  'pattern',
  'reason',
  'at',
] as const;

export function renderDataProtectionCsv(report: DataProtectionReport): string {
  const base = { org_id: report.orgId, month: report.month, final: report.final };
  const rows: CsvRow<(typeof COLUMNS)[number]>[] = [
    ...report.counts.map((count) => ({
      record: 'count',
      ...base,
      detector: count.detector,
      outcome: count.outcome,
      channel: count.channel,
      requests: count.requests,
      findings: count.findings,
      distinct_values: count.distinctValues,
    })),
    ...report.policies.map((policy) => ({
      record: 'policy',
      ...base,
      network_id: policy.networkId,
      network_name: policy.networkName,
      mode: policy.mode,
      at: policy.updatedAt,
    })),
    ...report.patterns.map((pattern) => ({
      record: 'pattern',
      ...base,
      id: pattern.id,
      name: pattern.name,
      pattern: pattern.pattern,
    })),
    ...report.exemptions.map((exemption) => ({
      record: 'exemption',
      ...base,
      id: exemption.id,
      network_id: exemption.networkId,
      contract: exemption.contract,
      detector: exemption.detector,
      state: exemption.state,
      reason: exemption.reason,
      at: exemption.decidedAt ?? exemption.requestedAt,
    })),
  ];
  return csvTable(COLUMNS, rows);
}
