/**
 * How dates, amounts and counts read in the console: Swedish conventions for money (SEK), ISO-like dates that
 * read the same to everyone, and plain relative times.
 */
const dateTime = new Intl.DateTimeFormat('sv-SE', { dateStyle: 'short', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat('sv-SE', { dateStyle: 'short' });
const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });
const sek = new Intl.NumberFormat('sv-SE', {
  style: 'currency',
  currency: 'SEK',
  minimumFractionDigits: 0,
  maximumFractionDigits: 2,
});

export function formatDateTime(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '—' : dateTime.format(date);
}

export function formatDate(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '—' : dateOnly.format(date);
}

export function formatCount(value: number | undefined): string {
  return value === undefined ? '—' : Number.isInteger(value) ? integer.format(value) : decimal.format(value);
}

export function formatPercent(value: number | undefined): string {
  return value === undefined ? '—' : `${decimal.format(value)} %`;
}

/** An amount in SEK (the API's views give kronor, not öre). */
export function formatSek(value: number | undefined): string {
  return value === undefined ? '—' : sek.format(value);
}

export function formatAgo(value: string | undefined, now = Date.now()): string {
  if (!value) return '—';
  const seconds = Math.round((now - Date.parse(value)) / 1000);
  if (Number.isNaN(seconds)) return '—';
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return formatDate(value);
}

/** `0x1234…abcd`, for long hex strings in tight places; the full value is always one click away. */
export function shortHex(value: string, keep = 6): string {
  return value.length <= keep * 2 + 3 ? value : `${value.slice(0, keep + 2)}…${value.slice(-keep)}`;
}
