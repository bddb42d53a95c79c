import { describe, expect, it } from 'vitest';
import { getPlan } from '../../../shared/domain/plans.ts';
import {
  availabilityPercent,
  canonicalJson,
  creditPercentFor,
  DEFAULT_CREDIT_LADDER,
  DEFAULT_SLA_TERMS,
  daysInMonth,
  daysOverlapping,
  downtimeWindows,
  isBelow,
  joinWindows,
  monthRange,
  type NodeForSla,
  nodeMonthSla,
  slaTermsFromPlan,
  subtract,
} from '../../../shared/domain/sla.ts';
import { ValidationError } from '../../../shared/errors.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('calendar months', () => {
  it.each([
    { month: '2024-02', days: 29, why: 'leap year' },
    { month: '2023-02', days: 28, why: 'common year' },
    { month: '2000-02', days: 29, why: 'divisible by 400' },
    { month: '2100-02', days: 28, why: 'divisible by 100, not 400' },
    { month: '2026-04', days: 30, why: '30-day month' },
    { month: '2026-12', days: 31, why: 'December ends in the next year' },
    { month: '2026-01', days: 31, why: 'January' },
  ])('$month has $days days ($why)', ({ month, days }) => {
    expect(daysInMonth(month)).toBe(days);
    const { start, end } = monthRange(month);
    expect(end - start).toBe(days * DAY);
    expect(new Date(start).toISOString()).toBe(`${month}-01T00:00:00.000Z`);
  });

  it.each(['2026-13', '2026-00', '2026-1', '26-01', '2026/01', ''])('refuses the month %j', (month) => {
    expect(() => monthRange(month)).toThrow(ValidationError);
  });

  it('lists the UTC days an interval touches', () => {
    const start = Date.parse('2024-02-28T22:00:00.000Z');
    expect(daysOverlapping({ start, end: start + 4 * HOUR })).toEqual(['2024-02-28', '2024-02-29']);
    expect(daysOverlapping({ start, end: start + 27 * HOUR })).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
  });
});

/** A node that existed all month with `downtimeMs` of RPC downtime at the start of the month. */
function month(monthId: string, downtimeMs: number, extra: Partial<Parameters<typeof nodeMonthSla>[0]> = {}) {
  const { start, end } = monthRange(monthId);
  const node: NodeForSla = {
    id: 'node_a',
    name: 'validator-1',
    networkId: 'net_a',
    hosting: 'managed',
    size: 'small',
    createdAt: '2020-01-01T00:00:00.000Z',
  };
  const window = { start: start + HOUR, end: start + HOUR + downtimeMs, reason: 'down' };
  const result = nodeMonthSla({
    node,
    month: monthId,
    now: end + DAY,
    rpcDowntime: downtimeMs > 0 ? [window] : [],
    blockDowntime: [],
    maintenance: [],
    terms: DEFAULT_SLA_TERMS,
    ...extra,
  });
  if (!result) throw new Error('the node should be in the report');
  return result;
}

describe('credit ladder (below 99.9 % → 10 %, below 99.0 % → 25 %, below 95 % → 100 %)', () => {
  // 0.1 % of a 30-day month is 2,592 s; of a 31-day month 2,678.4 s; of a leap February 2,505.6 s.
  it.each([
    { month: '2026-04', downtimeMs: 0, credit: 0, availability: 100 },
    { month: '2026-04', downtimeMs: 2_592_000, credit: 0, availability: 99.9 },
    { month: '2026-04', downtimeMs: 2_592_001, credit: 10, availability: 99.8999 },
    { month: '2026-04', downtimeMs: 25_920_000, credit: 10, availability: 99 },
    { month: '2026-04', downtimeMs: 25_920_001, credit: 25, availability: 98.9999 },
    { month: '2026-04', downtimeMs: 129_600_000, credit: 25, availability: 95 },
    { month: '2026-04', downtimeMs: 129_600_001, credit: 100, availability: 94.9999 },
    { month: '2026-01', downtimeMs: 2_678_400, credit: 0, availability: 99.9 },
    { month: '2026-01', downtimeMs: 2_678_401, credit: 10, availability: 99.8999 },
    { month: '2024-02', downtimeMs: 2_505_600, credit: 0, availability: 99.9 },
    { month: '2024-02', downtimeMs: 2_505_601, credit: 10, availability: 99.8999 },
    { month: '2023-02', downtimeMs: 2_419_200, credit: 0, availability: 99.9 },
    { month: '2023-02', downtimeMs: 2_419_201, credit: 10, availability: 99.8999 },
  ])(
    '$month with $downtimeMs ms down: $availability %, credit $credit %',
    ({ month: m, downtimeMs, credit, availability }) => {
      const result = month(m, downtimeMs);
      expect(result.rpc.downtimeMs).toBe(downtimeMs);
      expect(result.rpc.availabilityPercent).toBe(availability);
      expect(result.creditPercent).toBe(credit);
      expect(result.metTarget).toBe(credit === 0);
    },
  );

  it('compares exactly where floating point would not', () => {
    expect(isBelow(999, 1000, 99.9)).toBe(false);
    expect(isBelow(998_999_999, 1_000_000_000, 99.9)).toBe(true);
    // 0.999 * 100 is 99.9 in decimal but not in binary floating point.
    expect(isBelow(2_589_408_000, 2_592_000_000, 99.9)).toBe(false);
  });

  it('takes the largest credit of the steps passed, whatever their order', () => {
    const reversed = [...DEFAULT_CREDIT_LADDER].reverse();
    expect(creditPercentFor(reversed, 900, 1000)).toBe(100);
    expect(creditPercentFor([], 0, 1000)).toBe(0);
  });

  it('truncates availability, never rounding a miss up to the target', () => {
    expect(availabilityPercent(999_999, 1_000_000)).toBe(99.9999);
    expect(availabilityPercent(9_998_999, 10_000_000)).toBe(99.9899);
    expect(availabilityPercent(5, 0)).toBe(100);
  });

  it('uses a plan’s own target and ladder (enterprise: below 99.95 % → 10 %)', () => {
    const terms = slaTermsFromPlan(getPlan('enterprise'));
    // 0.05 % of a 30-day month is 1,296 s.
    expect(month('2026-04', 1_296_000, { terms }).creditPercent).toBe(0);
    expect(month('2026-04', 1_296_001, { terms }).creditPercent).toBe(10);
    expect(month('2026-04', 1_296_001, { terms }).targetPercent).toBe(99.95);
  });

  it('covers no node under a plan without an SLA (self-hosted)', () => {
    const result = month('2026-04', 200_000_000, { terms: slaTermsFromPlan(getPlan('self-hosted')) });
    expect(result).toMatchObject({ covered: false, creditPercent: 0, metTarget: null, targetPercent: null });
  });

  it('turns the credit into an amount from the plan’s node fee, pro rata for part of a month', () => {
    const terms = slaTermsFromPlan(getPlan('managed-member')); // small: 2,900 SEK a month
    expect(month('2026-04', 2_592_001, { terms }).creditOre).toBe(29_000);
    const half = month('2026-04', 2_592_001, {
      terms,
      node: {
        id: 'node_b',
        name: 'late',
        networkId: 'net_a',
        hosting: 'managed',
        size: 'small',
        createdAt: '2026-04-16T00:00:00.000Z',
      },
      rpcDowntime: [
        { start: Date.parse('2026-04-20T00:00:00.000Z'), end: Date.parse('2026-04-20T00:43:12.001Z'), reason: 'x' },
      ],
    });
    // 2,592 s of the node's 15 days is 99.7999 %: 10 % of half a month's fee.
    expect(half.creditPercent).toBe(10);
    expect(half.creditOre).toBe(14_500);
  });
});

describe('partial months', () => {
  const node = (createdAt: string, endedAt?: string): NodeForSla => ({
    id: 'node_p',
    name: 'n',
    networkId: 'net_a',
    hosting: 'managed',
    size: 'small',
    createdAt,
    ...(endedAt && { endedAt }),
  });
  const base = { blockDowntime: [], maintenance: [], terms: DEFAULT_SLA_TERMS };

  it.each([
    {
      case: 'created mid-month: the month starts with the node',
      node: node('2026-04-16T00:00:00.000Z'),
      now: Date.parse('2026-06-01T00:00:00.000Z'),
      period: ['2026-04-16T00:00:00.000Z', '2026-05-01T00:00:00.000Z'],
      eligibleMs: 15 * DAY,
    },
    {
      case: 'deleted mid-month: the month ends with the node',
      node: node('2026-01-01T00:00:00.000Z', '2026-04-11T12:00:00.000Z'),
      now: Date.parse('2026-06-01T00:00:00.000Z'),
      period: ['2026-04-01T00:00:00.000Z', '2026-04-11T12:00:00.000Z'],
      eligibleMs: 10.5 * DAY,
    },
    {
      case: 'month in progress: it ends now',
      node: node('2026-01-01T00:00:00.000Z'),
      now: Date.parse('2026-04-03T06:00:00.000Z'),
      period: ['2026-04-01T00:00:00.000Z', '2026-04-03T06:00:00.000Z'],
      eligibleMs: 2.25 * DAY,
    },
  ])('$case', ({ node: n, now, period, eligibleMs }) => {
    const result = nodeMonthSla({ ...base, node: n, month: '2026-04', now, rpcDowntime: [] });
    expect([result?.periodStart, result?.periodEnd]).toEqual(period);
    expect(result?.eligibleMs).toBe(eligibleMs);
    expect(result?.partial).toBe(true);
  });

  it('judges a partial month against its own length: 0.1 % of 15 days is the edge', () => {
    const n = node('2026-04-16T00:00:00.000Z');
    const start = Date.parse(n.createdAt);
    const at = (downMs: number) =>
      nodeMonthSla({
        ...base,
        node: n,
        month: '2026-04',
        now: Date.parse('2026-05-02T00:00:00.000Z'),
        rpcDowntime: [{ start: start + HOUR, end: start + HOUR + downMs, reason: undefined }],
      });
    expect(at(1_296_000)?.creditPercent).toBe(0);
    expect(at(1_296_001)?.creditPercent).toBe(10);
  });

  it('leaves out a node that did not exist in the month', () => {
    const later = nodeMonthSla({
      ...base,
      node: node('2026-05-02T00:00:00.000Z'),
      month: '2026-04',
      now: Date.now(),
      rpcDowntime: [],
    });
    const gone = nodeMonthSla({
      ...base,
      node: node('2026-01-01T00:00:00.000Z', '2026-03-20T00:00:00.000Z'),
      month: '2026-04',
      now: Date.now(),
      rpcDowntime: [],
    });
    expect(later).toBeUndefined();
    expect(gone).toBeUndefined();
  });

  it('counts only downtime inside the node’s period', () => {
    const n = node('2026-04-16T00:00:00.000Z');
    const result = nodeMonthSla({
      ...base,
      node: n,
      month: '2026-04',
      now: Date.parse('2026-05-02T00:00:00.000Z'),
      rpcDowntime: [
        { start: Date.parse('2026-03-31T23:00:00.000Z'), end: Date.parse('2026-04-16T01:00:00.000Z'), reason: 'x' },
        { start: Date.parse('2026-04-30T23:00:00.000Z'), end: Date.parse('2026-05-01T02:00:00.000Z'), reason: 'y' },
      ],
    });
    expect(result?.rpc.downtimeMs).toBe(2 * HOUR);
    expect(result?.rpc.windows.map((w) => [w.start, w.end])).toEqual([
      ['2026-04-16T00:00:00.000Z', '2026-04-16T01:00:00.000Z'],
      ['2026-04-30T23:00:00.000Z', '2026-05-01T00:00:00.000Z'],
    ]);
  });
});

describe('maintenance windows', () => {
  const start = monthRange('2026-04').start;
  const window = (fromHour: number, toHour: number) => ({ start: start + fromHour * HOUR, end: start + toHour * HOUR });

  it.each([
    { case: 'downtime inside maintenance is not counted', down: [1, 3], maintenance: [[0, 4]], downtimeHours: 0 },
    { case: 'downtime partly in maintenance counts outside it', down: [1, 5], maintenance: [[0, 4]], downtimeHours: 1 },
    { case: 'maintenance in the middle splits downtime', down: [1, 5], maintenance: [[2, 3]], downtimeHours: 3 },
    { case: 'maintenance elsewhere changes nothing', down: [1, 5], maintenance: [[10, 12]], downtimeHours: 4 },
    {
      case: 'overlapping announcements are counted once',
      down: [0, 1],
      maintenance: [
        [10, 12],
        [11, 13],
      ],
      downtimeHours: 1,
    },
  ])('$case', ({ down, maintenance, downtimeHours }) => {
    const maintained = maintenance.map(([a, b]) => window(a!, b!));
    const result = month('2026-04', 0, {
      rpcDowntime: [{ ...window(down[0]!, down[1]!), reason: 'down' }],
      maintenance: maintained,
    });
    const maintenanceMs = subtract(maintained, []).reduce((sum, w) => sum + (w.end - w.start), 0);
    expect(result.rpc.downtimeMs).toBe(downtimeHours * HOUR);
    expect(result.maintenanceMs).toBe(maintenanceMs);
    expect(result.eligibleMs).toBe(30 * DAY - maintenanceMs);
  });

  it('takes maintenance out of the month, so the same downtime weighs more', () => {
    // 2,592 s is exactly 0.1 % of the whole month; with an hour of maintenance it is more than 0.1 % of the rest.
    const without = month('2026-04', 2_592_000);
    const withMaintenance = month('2026-04', 2_592_000, { maintenance: [window(100, 101)] });
    expect(without.creditPercent).toBe(0);
    expect(withMaintenance.creditPercent).toBe(10);
  });
});

describe('downtime windows from probes', () => {
  const t = (s: number) => 1_000_000 + s * 1000;
  const range = { start: t(0), end: t(1000) };
  const p = (s: number, down: boolean, reason?: string) => ({ at: t(s), down, ...(reason && { reason }) });

  it('opens at the first failed probe and closes at the next passing one', () => {
    const windows = downtimeWindows([p(0, false), p(10, true, 'refused'), p(20, true), p(30, false)], range, {
      maxGapMs: 60_000,
    });
    expect(windows).toEqual([{ start: t(10), end: t(30), reason: 'refused' }]);
  });

  it('lets a probe speak for at most maxGapMs, so silence is not downtime', () => {
    const windows = downtimeWindows([p(10, true)], range, { maxGapMs: 30_000 });
    expect(windows).toEqual([{ start: t(10), end: t(40), reason: undefined }]);
  });

  it('continues a window from before the range with the carried-in probe', () => {
    const windows = downtimeWindows([p(5, false)], range, { maxGapMs: 60_000, carryIn: p(-5, true, 'down') });
    expect(windows).toEqual([{ start: t(0), end: t(5), reason: 'down' }]);
  });

  it('ends an open window at the end of the range', () => {
    expect(downtimeWindows([p(990, true)], range, { maxGapMs: 60_000 })).toEqual([
      { start: t(990), end: t(1000), reason: undefined },
    ]);
  });

  it('joins windows that meet at midnight into one outage', () => {
    const midnight = Date.parse('2026-04-02T00:00:00.000Z');
    expect(
      joinWindows([
        { start: midnight, end: midnight + 5_000, reason: 'b' },
        { start: midnight - 5_000, end: midnight, reason: 'a' },
      ]),
    ).toEqual([{ start: midnight - 5_000, end: midnight + 5_000, reason: 'a' }]);
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every level, drops undefined and has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: null }], c: undefined }, é: 'x' })).toBe(
      '{"a":{"d":[{"y":null,"z":1}]},"b":1,"é":"x"}',
    );
  });

  it('gives the same bytes for the same content in any key order', () => {
    expect(canonicalJson({ x: 1, y: [2, 3] })).toBe(canonicalJson(JSON.parse('{"y":[2,3],"x":1}')));
  });
});
