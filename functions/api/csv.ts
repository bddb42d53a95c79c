/**
 * CSV (RFC 4180) as the API renders reports for spreadsheets (SLA and data-protection reports): a header row, CRLF
 * line ends, quoted fields where needed, and text that a spreadsheet would run as a formula defused.
 */
export type CsvValue = string | number | boolean | null | undefined;
export type CsvRow<C extends string> = Partial<Record<C, CsvValue>>;

export function csvTable<C extends string>(columns: readonly C[], rows: readonly CsvRow<C>[]): string {
  const lines = [columns.join(','), ...rows.map((row) => columns.map((c) => csvField(row[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  // A spreadsheet would run a name starting with = + - @ as a formula.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** CSV only when asked for it before (or instead of) JSON. */
export function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase());
  const csv = types.indexOf('text/csv');
  const json = types.indexOf('application/json');
  return csv !== -1 && (json === -1 || csv < json);
}
