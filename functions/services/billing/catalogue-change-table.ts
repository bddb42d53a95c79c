/**
 * The plan of a catalogue sync as a plain-text table (action, object, key, detail), for the dry run on a terminal
 * and the operator Lambda's log: one row per change, columns padded to their widest cell.
 */
import type { ChangeRow } from '../../../shared/domain/billing-catalogue-plan.ts';

const HEADINGS: ChangeRow = { action: 'action', object: 'object', key: 'key', detail: 'detail' };
const COLUMNS = ['action', 'object', 'key'] as const;

export function changeTable(rows: readonly ChangeRow[]): string {
  const widths = COLUMNS.map((column) => Math.max(...[HEADINGS, ...rows].map((row) => row[column].length)));
  const line = (row: ChangeRow) =>
    [...COLUMNS.map((column, i) => row[column].padEnd(widths[i] ?? 0)), row.detail].join('  ').trimEnd();
  const rule = [...widths.map((width) => '-'.repeat(width)), '-'.repeat(HEADINGS.detail.length)].join('  ');
  return [line(HEADINGS), rule, ...rows.map(line)].join('\n');
}

/** "3 creates, 1 replace": what a plan does, counted by action. */
export function countActions(rows: readonly ChangeRow[]): string {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.action, (counts.get(row.action) ?? 0) + 1);
  return [...counts].map(([action, count]) => `${count} ${action}${count === 1 ? '' : 's'}`).join(', ');
}
