/**
 * SLA arithmetic (docs/architecture.md, "Health, recovery and SLA"), pure: calendar months in UTC, downtime windows built from
 * health samples, availability of a node over the part of a month it existed (maintenance windows excluded), and
 * the service credit a plan's ladder grants. A report is signed as canonical JSON (canonical-json.ts).
 *
 * Thresholds are compared exactly, in integers: 99.9 % of a 30-day month is met by 2,592 s of downtime and missed
 * by one millisecond more, whatever floating point would have said.
 */
import { ValidationError } from '../errors.ts';

/** What a signed SLA report names as its format, so a reader knows which fields to expect. */
export const SLA_REPORT_SCHEMA = 'carechain.sla-report/1';

/** Where announced maintenance stands relative to now. */
export const MAINTENANCE_STATUSES = ['upcoming', 'under-way', 'past'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

export function maintenanceStatus(window: { readonly start: string; readonly end: string }, now: number) {
  if (Date.parse(window.end) <= now) return 'past' as const;
  return Date.parse(window.start) <= now ? ('under-way' as const) : ('upcoming' as const);
}

/** A half-open span of time [start, end) in epoch milliseconds. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

// ---- Calendar -----------------------------------------------------------------------------------------------

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DAY_MS = 86_400_000;

export function isMonth(value: string): boolean {
  return MONTH.test(value);
}

/** The month `YYYY-MM` as a UTC interval; a malformed month is the caller's mistake. */
export function monthRange(month: string): Interval {
  const match = MONTH.exec(month);
  if (!match) throw new ValidationError('A month is written YYYY-MM', [{ path: 'month', message: 'YYYY-MM' }]);
  const year = Number(match[1]);
  const index = Number(match[2]) - 1;
  return { start: Date.UTC(year, index, 1), end: Date.UTC(year, index + 1, 1) };
}

export function daysInMonth(month: string): number {
  const { start, end } = monthRange(month);
  return (end - start) / DAY_MS;
}

export function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function dayRange(day: string): Interval {
  const start = Date.parse(`${day}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(start) || dayOf(start) !== day) {
    throw new ValidationError('A day is written YYYY-MM-DD', [{ path: 'day', message: 'YYYY-MM-DD' }]);
  }
  return { start, end: start + DAY_MS };
}

/** The UTC days an interval touches, in order. */
export function daysOverlapping(interval: Interval): string[] {
  const days: string[] = [];
  for (let t = Date.UTC(...ymd(interval.start)); t < interval.end; t += DAY_MS) days.push(dayOf(t));
  return days;
}

function ymd(ms: number): [number, number, number] {
  const d = new Date(ms);
  return [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
}

// ---- Interval algebra ---------------------------------------------------------------------------------------

/** Sorted, with overlapping or touching intervals merged and empty ones dropped. */
export function normalise(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const interval of sorted) {
    const last = out[out.length - 1];
    if (last && interval.start <= last.end)
      out[out.length - 1] = { start: last.start, end: Math.max(last.end, interval.end) };
    else out.push({ start: interval.start, end: interval.end });
  }
  return out;
}

export function clip(intervals: readonly Interval[], range: Interval): Interval[] {
  return normalise(intervals.map((i) => ({ start: Math.max(i.start, range.start), end: Math.min(i.end, range.end) })));
}

/** `intervals` with every part covered by `removed` taken out. */
export function subtract(intervals: readonly Interval[], removed: readonly Interval[]): Interval[] {
  let remaining = normalise(intervals);
  for (const cut of normalise(removed)) {
    remaining = remaining.flatMap((i) =>
      cut.end <= i.start || cut.start >= i.end
        ? [i]
        : [
            ...(cut.start > i.start ? [{ start: i.start, end: cut.start }] : []),
            ...(cut.end < i.end ? [{ start: cut.end, end: i.end }] : []),
          ],
    );
  }
  return remaining;
}

export function totalMs(intervals: readonly Interval[]): number {
  return normalise(intervals).reduce((sum, i) => sum + (i.end - i.start), 0);
}

// ---- Downtime from samples ----------------------------------------------------------------------------------

/** One sample reduced to what a downtime series needs. */
export interface StatusPoint {
  readonly at: number;
  readonly down: boolean;
  readonly reason?: string;
}

export interface DowntimeWindow extends Interval {
  /** What the first failing probe of the window said. */
  readonly reason: string | undefined;
}

/**
 * Down windows within `range`: a window opens at the first failing probe and closes at the next passing one. A
 * probe speaks for at most `maxGapMs` after it (a monitor that stopped, a node a person stopped), so silence is
 * never counted as downtime. `carryIn` is the last probe before the range, for a window that crosses into it.
 */
export function downtimeWindows(
  points: readonly StatusPoint[],
  range: Interval,
  options: { readonly maxGapMs: number; readonly carryIn?: StatusPoint },
): DowntimeWindow[] {
  const ordered = [...(options.carryIn ? [options.carryIn] : []), ...points].sort((a, b) => a.at - b.at);
  const windows: DowntimeWindow[] = [];
  ordered.forEach((point, i) => {
    if (!point.down) return;
    const next = ordered[i + 1];
    const start = Math.max(point.at, range.start);
    const end = Math.min(next ? next.at : Number.POSITIVE_INFINITY, point.at + options.maxGapMs, range.end);
    if (end <= start) return;
    const last = windows[windows.length - 1];
    if (last && last.end >= start) windows[windows.length - 1] = { ...last, end: Math.max(last.end, end) };
    else windows.push({ start, end, reason: point.reason });
  });
  return windows;
}

/** Joins windows of consecutive days (a window ending at midnight and one starting then are one outage). */
export function joinWindows(windows: readonly DowntimeWindow[]): DowntimeWindow[] {
  const out: DowntimeWindow[] = [];
  for (const w of [...windows].sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && w.start <= last.end) out[out.length - 1] = { ...last, end: Math.max(last.end, w.end) };
    else out.push(w);
  }
  return out;
}

// ---- Availability and credits -------------------------------------------------------------------------------

/** Availability below `below` % earns `creditPercent` % of the month's fee. */
export interface CreditStep {
  readonly below: number;
  readonly creditPercent: number;
}

export interface SlaTerms {
  readonly planId: string | undefined;
  /** Monthly availability target, %; undefined where the plan promises none. */
  readonly targetPercent: number | undefined;
  readonly ladder: readonly CreditStep[];
  /** Monthly fee of one node by size, in öre, when known: turns a credit percentage into an amount. */
  readonly monthlyFeeOre?: Readonly<Record<string, number>>;
}

/** The reference ladder (docs/architecture.md, "Health, recovery and SLA"): below 99.9 % → 10 %, below 99.0 % → 25 %, below 95 % → 100 %. */
export const DEFAULT_CREDIT_LADDER: readonly CreditStep[] = [
  { below: 99.9, creditPercent: 10 },
  { below: 99.0, creditPercent: 25 },
  { below: 95.0, creditPercent: 100 },
];

export const DEFAULT_SLA_TERMS: SlaTerms = { planId: undefined, targetPercent: 99.9, ladder: DEFAULT_CREDIT_LADDER };

/** What the SLA needs of a plan (shared/domain/plans.ts), read structurally so the plan file stays its own. */
export interface PlanSlaFields {
  readonly id: string;
  readonly slaTargetPercent: number | undefined;
  readonly creditLadder: readonly CreditStep[];
  readonly monthlyPriceOre?: Readonly<Record<string, number>>;
}

export function slaTermsFromPlan(plan: PlanSlaFields): SlaTerms {
  return {
    planId: plan.id,
    targetPercent: plan.slaTargetPercent,
    ladder: plan.creditLadder,
    ...(plan.monthlyPriceOre && { monthlyFeeOre: plan.monthlyPriceOre }),
  };
}

/** Thresholds may have up to four decimals (99.95, 99.995). */
const PERCENT_SCALE = 10_000n;

/** Exactly whether `upMs / eligibleMs` is below `percent` %. */
export function isBelow(upMs: number, eligibleMs: number, percent: number): boolean {
  if (eligibleMs <= 0) return false;
  const threshold = BigInt(Math.round(percent * Number(PERCENT_SCALE)));
  return BigInt(upMs) * 100n * PERCENT_SCALE < threshold * BigInt(eligibleMs);
}

/** Availability in %, truncated (never rounded up) to four decimals. A node with no eligible time is at 100 %. */
export function availabilityPercent(upMs: number, eligibleMs: number): number {
  if (eligibleMs <= 0) return 100;
  const scaled = (BigInt(upMs) * 100n * PERCENT_SCALE) / BigInt(eligibleMs);
  return Number(scaled) / Number(PERCENT_SCALE);
}

/** The credit of the lowest step the availability falls below; 0 when it falls below none. */
export function creditPercentFor(ladder: readonly CreditStep[], upMs: number, eligibleMs: number): number {
  return ladder.reduce(
    (credit, step) => (isBelow(upMs, eligibleMs, step.below) ? Math.max(credit, step.creditPercent) : credit),
    0,
  );
}

export interface NodeForSla {
  readonly id: string;
  readonly name: string;
  readonly networkId: string;
  readonly hosting: string;
  readonly size: string;
  readonly createdAt: string;
  /** When the node was terminated, if it was. */
  readonly endedAt?: string;
}

export interface WindowView {
  readonly start: string;
  readonly end: string;
  readonly durationMs: number;
  readonly reason: string | null;
}

export interface AvailabilityView {
  readonly downtimeMs: number;
  readonly availabilityPercent: number;
  readonly windows: WindowView[];
}

export interface NodeSlaResult {
  readonly nodeId: string;
  readonly name: string;
  readonly networkId: string;
  readonly hosting: string;
  readonly size: string;
  /** Managed nodes under a plan with a target; self-hosted nodes are monitored, not covered. */
  readonly covered: boolean;
  readonly periodStart: string;
  readonly periodEnd: string;
  /** The node existed for only part of the month (or the month is not over). */
  readonly partial: boolean;
  readonly maintenanceMs: number;
  readonly eligibleMs: number;
  /** JSON-RPC availability: what credits are computed from. */
  readonly rpc: AvailabilityView;
  /** Time the node served a head that advanced within 3 block periods, reported apart from RPC availability. */
  readonly blockProduction: AvailabilityView;
  readonly targetPercent: number | null;
  readonly metTarget: boolean | null;
  readonly creditPercent: number;
  readonly creditOre: number | null;
}

export interface NodeMonthInput {
  readonly node: NodeForSla;
  readonly month: string;
  /** Reports of a month in progress end now. */
  readonly now: number;
  readonly rpcDowntime: readonly DowntimeWindow[];
  readonly blockDowntime: readonly DowntimeWindow[];
  readonly maintenance: readonly Interval[];
  readonly terms: SlaTerms;
}

/** A node's month, or undefined when the node did not exist in it. */
export function nodeMonthSla(input: NodeMonthInput): NodeSlaResult | undefined {
  const month = monthRange(input.month);
  const ended = input.node.endedAt ? Date.parse(input.node.endedAt) : Number.POSITIVE_INFINITY;
  const period: Interval = {
    start: Math.max(month.start, Date.parse(input.node.createdAt)),
    end: Math.min(month.end, ended, input.now),
  };
  if (period.end <= period.start) return undefined;
  const maintenance = clip(input.maintenance, period);
  const eligibleMs = period.end - period.start - totalMs(maintenance);
  const rpc = view(input.rpcDowntime, period, maintenance, eligibleMs);
  const blockProduction = view(input.blockDowntime, period, maintenance, eligibleMs);
  const { terms } = input;
  const covered = input.node.hosting === 'managed' && terms.targetPercent !== undefined;
  const upMs = eligibleMs - rpc.downtimeMs;
  const creditPercent = covered ? creditPercentFor(terms.ladder, upMs, eligibleMs) : 0;
  const fee = terms.monthlyFeeOre?.[input.node.size];
  return {
    nodeId: input.node.id,
    name: input.node.name,
    networkId: input.node.networkId,
    hosting: input.node.hosting,
    size: input.node.size,
    covered,
    periodStart: iso(period.start),
    periodEnd: iso(period.end),
    partial: period.start > month.start || period.end < month.end,
    maintenanceMs: totalMs(maintenance),
    eligibleMs,
    rpc,
    blockProduction,
    targetPercent: covered ? (terms.targetPercent ?? null) : null,
    metTarget: covered && terms.targetPercent !== undefined ? !isBelow(upMs, eligibleMs, terms.targetPercent) : null,
    creditPercent,
    // The fee is for a whole month: a node that existed for part of it is credited on its share.
    creditOre:
      covered && fee !== undefined
        ? Math.round((fee * (period.end - period.start) * creditPercent) / (100 * (month.end - month.start)))
        : null,
  };
}

function view(
  windows: readonly DowntimeWindow[],
  period: Interval,
  maintenance: readonly Interval[],
  eligibleMs: number,
): AvailabilityView {
  const counted = joinWindows(windows).flatMap((w) =>
    subtract(clip([w], period), maintenance).map((part) => ({ ...part, reason: w.reason })),
  );
  const downtimeMs = totalMs(counted);
  return {
    downtimeMs,
    availabilityPercent: availabilityPercent(eligibleMs - downtimeMs, eligibleMs),
    windows: counted.map(windowView),
  };
}

/** A downtime window as reports and the health view show it: ISO instants, its length, and why. */
export function windowView(window: DowntimeWindow): WindowView {
  return {
    start: iso(window.start),
    end: iso(window.end),
    durationMs: window.end - window.start,
    reason: window.reason ?? null,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

// ---- Renderings ---------------------------------------------------------------------------------------------

/** What the platform key signs: the report as canonical JSON (shared with the data-protection report). */
export { canonicalJson } from './canonical-json.ts';
