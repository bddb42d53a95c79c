/**
 * Readers for capabilities that are being added to the API (node health, usage, plans and billing, SLA reports,
 * the platform summary). Their answers are read defensively, field by field, so the pages light up as each route
 * lands and show "not available yet" until then (the route answers 404 "No route for …"). When a capability's
 * schema is published in shared/schemas, its reader here gives way to a type import like the others.
 */
import type { UsageSeries } from '../../../shared/metering/usage-series.ts';

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function pick(object: Json, names: readonly string[]): unknown {
  for (const name of names) if (object[name] !== undefined && object[name] !== null) return object[name];
  return undefined;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^0x[0-9a-f]+$/i.test(value)) return Number.parseInt(value, 16);
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function asTime(value: unknown): number | undefined {
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  if (typeof value === 'string') {
    const time = Date.parse(value);
    return Number.isNaN(time) ? undefined : time;
  }
  return undefined;
}

function asText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The list inside an answer: the answer itself, or its `items` (or another named array). */
export function listOf(value: unknown, names: readonly string[] = ['items']): unknown[] {
  if (Array.isArray(value)) return value;
  const object = asObject(value);
  if (!object) return [];
  const found = pick(object, names);
  return Array.isArray(found) ? found : [];
}

// ── Node health ────────────────────────────────────────────────────────────────────────────────────────────────

export interface HealthSample {
  readonly at: number;
  readonly ok: boolean | undefined;
  readonly headBlock: number | undefined;
  readonly latencyMs: number | undefined;
  readonly peers: number | undefined;
}

export interface NodeHealth {
  /** The monitor's verdict in its own word (healthy, degraded, down…). */
  readonly status: string | undefined;
  /** Why, in the monitor's words, when it is not healthy. */
  readonly reason: string | undefined;
  readonly healthy: boolean | undefined;
  readonly headBlock: number | undefined;
  readonly latencyMs: number | undefined;
  readonly uptimePercent: number | undefined;
  readonly samples: readonly HealthSample[];
}

function readOk(object: Json): boolean | undefined {
  const status = asText(pick(object, ['health', 'status', 'state', 'result']));
  if (status) return ['ok', 'healthy', 'up', 'running', 'pass', 'passed', 'live'].includes(status.toLowerCase());
  const flag = pick(object, ['ok', 'healthy', 'rpcOk', 'up', 'live', 'alive', 'success']);
  return typeof flag === 'boolean' ? flag : undefined;
}

function readSample(value: unknown): HealthSample | undefined {
  const object = asObject(value);
  if (!object) return undefined;
  const at = asTime(pick(object, ['at', 'time', 'timestamp', 'ts', 'probedAt', 'checkedAt', 'sampledAt']));
  if (at === undefined) return undefined;
  return {
    at,
    // A probe counts as up when the node answered JSON-RPC, whatever else it judged.
    ok: typeof object.rpcOk === 'boolean' ? object.rpcOk : readOk(object),
    headBlock: asNumber(pick(object, ['headBlock', 'blockNumber', 'head', 'block', 'latestBlock'])),
    latencyMs: asNumber(pick(object, ['latencyMs', 'rpcLatencyMs', 'latency', 'responseTimeMs'])),
    peers: asNumber(pick(object, ['peers', 'peerCount'])),
  };
}

function readPercent(object: Json): number | undefined {
  const percent = asNumber(pick(object, ['uptimePercent', 'availabilityPercent', 'availability_percent']));
  if (percent !== undefined) return percent;
  const fraction = asNumber(pick(object, ['uptime', 'availability']));
  if (fraction === undefined) return undefined;
  return fraction <= 1 ? fraction * 100 : fraction;
}

/** Availability over the days an answer covers, weighted by each day's probes. */
function uptimeOfDays(value: unknown): number | undefined {
  let weighted = 0;
  let weight = 0;
  for (const item of listOf(value)) {
    const day = asObject(item);
    const percent = day && asNumber(pick(day, ['rpcAvailabilityPercent', 'availabilityPercent']));
    if (!day || percent === undefined) continue;
    const samples = asNumber(day.samples) ?? 1;
    weighted += percent * samples;
    weight += samples;
  }
  return weight > 0 ? weighted / weight : undefined;
}

export function readNodeHealth(value: unknown): NodeHealth | undefined {
  const object = asObject(value);
  if (!object) return undefined;
  const uptimeDays = Array.isArray(object.uptime) ? uptimeOfDays(object.uptime) : undefined;
  const samples = listOf(object, ['samples', 'items', 'history', 'points', 'series'])
    .map(readSample)
    .filter((sample): sample is HealthSample => sample !== undefined)
    .sort((a, b) => a.at - b.at);
  const latest = asObject(pick(object, ['latest', 'current', 'last'])) ?? object;
  const reason = asText(pick(latest, ['healthReason', 'reason']));
  const last = samples.at(-1);
  const okShare = samples.length ? samples.filter((s) => s.ok !== false).length / samples.length : undefined;
  return {
    status: asText(pick(latest, ['health', 'status', 'state'])) ?? asText(pick(object, ['health', 'status'])),
    reason,
    healthy: readOk(latest) ?? last?.ok,
    headBlock: asNumber(pick(latest, ['headBlock', 'blockNumber', 'head'])) ?? last?.headBlock,
    latencyMs: asNumber(pick(latest, ['latencyMs', 'rpcLatencyMs', 'latency'])) ?? last?.latencyMs,
    uptimePercent: uptimeDays ?? readPercent(object) ?? (okShare === undefined ? undefined : okShare * 100),
    samples,
  };
}

// ── Usage (its server-side type is published: shared/metering/usage-series.ts) ─────────────────────────────────

export type { UsageSeries };

export function readUsage(value: unknown): UsageSeries | undefined {
  const object = asObject(value);
  return object && asObject(object.meters) ? (object as unknown as UsageSeries) : undefined;
}

// ── Plans and billing ──────────────────────────────────────────────────────────────────────────────────────────

export interface PlanSummary {
  readonly id: string;
  readonly name: string;
  readonly description: string | undefined;
  /** Monthly price of the smallest managed node, in SEK; 0 for a free plan. */
  readonly monthlyFromSek: number | undefined;
  readonly includedComputeUnits: number | undefined;
  readonly slaTargetPercent: number | undefined;
}

export interface PlanCatalogue {
  readonly plans: readonly PlanSummary[];
  /** False on an installation without payment: plans activate at once and nothing is charged. */
  readonly billingEnabled: boolean | undefined;
}

function lowest(record: Json | undefined, scale: number): number | undefined {
  if (!record) return undefined;
  const values = Object.values(record).flatMap((v) => (typeof v === 'number' ? [v / scale] : []));
  return values.length ? Math.min(...values) : undefined;
}

export function readPlans(value: unknown): PlanCatalogue {
  const enabled = asObject(value)?.billingEnabled;
  const plans = listOf(value, ['items', 'plans']).flatMap((item) => {
    const plan = asObject(item);
    const id = plan && asText(plan.id);
    if (!plan || !id) return [];
    const monthly = lowest(asObject(plan.monthlyPriceSek), 1) ?? lowest(asObject(plan.monthlyPriceOre), 100);
    return [
      {
        id,
        name: asText(plan.name) ?? id,
        description: asText(plan.description),
        monthlyFromSek: monthly,
        includedComputeUnits: asNumber(plan.includedComputeUnits),
        slaTargetPercent: asNumber(plan.slaTargetPercent),
      },
    ];
  });
  return { plans, billingEnabled: typeof enabled === 'boolean' ? enabled : undefined };
}

/** A checkout answer: a URL to pay at, or the plan is active already (free plan, or billing off). */
export function readCheckout(value: unknown): { readonly url: string | undefined; readonly activated: boolean } {
  const object = asObject(value) ?? {};
  const url = asText(pick(object, ['url', 'checkoutUrl']));
  return { url, activated: !url || object.kind === 'activated' };
}

export function readRedirectUrl(value: unknown): string | undefined {
  const object = asObject(value);
  return object ? asText(pick(object, ['url', 'portalUrl'])) : undefined;
}

export interface BillingSummary {
  readonly planId: string | undefined;
  readonly planName: string | undefined;
  readonly state: string | undefined;
  readonly billingEnabled: boolean | undefined;
}

export function readBillingSummary(value: unknown): BillingSummary | undefined {
  const object = asObject(value);
  if (!object) return undefined;
  const account = asObject(object.account) ?? object;
  const plan = asObject(account.plan);
  const enabled = pick(object, ['billingEnabled', 'enabled']);
  return {
    planId: asText(account.planId) ?? (plan && asText(plan.id)),
    planName: asText(account.planName) ?? (plan && asText(plan.name)),
    state: asText(pick(account, ['state', 'status'])),
    billingEnabled: typeof enabled === 'boolean' ? enabled : undefined,
  };
}

export interface InvoiceSummary {
  readonly id: string;
  readonly number: string | undefined;
  readonly status: string;
  /** In the invoice's currency's main unit (SEK, not öre). */
  readonly total: number | undefined;
  readonly currency: string;
  readonly periodStart: string | undefined;
  readonly periodEnd: string | undefined;
  readonly url: string | undefined;
}

function ore(value: number | undefined): number | undefined {
  return value === undefined ? undefined : value / 100;
}

export function readInvoices(value: unknown): InvoiceSummary[] {
  return listOf(value, ['items', 'invoices']).flatMap((item) => {
    const invoice = asObject(item);
    const id = invoice && asText(invoice.id);
    if (!invoice || !id) return [];
    return [
      {
        id,
        number: asText(invoice.number),
        status: asText(invoice.status) ?? 'unknown',
        total: asNumber(pick(invoice, ['totalSek', 'total'])) ?? ore(asNumber(invoice.totalOre)),
        currency: (asText(invoice.currency) ?? 'sek').toUpperCase(),
        periodStart: asText(invoice.periodStart),
        periodEnd: asText(invoice.periodEnd),
        url: asText(pick(invoice, ['hostedUrl', 'pdfUrl', 'url'])),
      },
    ];
  });
}

// ── SLA reports ────────────────────────────────────────────────────────────────────────────────────────────────

export interface SlaNodeLine {
  readonly nodeId: string;
  readonly name: string | undefined;
  /** Managed nodes under a plan with an SLA target; others are reported but earn no credit. */
  readonly covered: boolean | undefined;
  /** JSON-RPC availability, which credits are computed from. */
  readonly availabilityPercent: number | undefined;
  readonly blockProductionPercent: number | undefined;
  readonly downtimeMinutes: number | undefined;
  readonly creditPercent: number | undefined;
}

export interface SlaReportSummary {
  readonly month: string | undefined;
  /** False while the month is still under way. */
  readonly final: boolean | undefined;
  readonly nodesBelowTarget: number | undefined;
  /** Service credit for the month, in SEK. */
  readonly creditSek: number | undefined;
  readonly signature: string | undefined;
  readonly signer: string | undefined;
  readonly nodes: readonly SlaNodeLine[];
}

function availabilityOf(value: unknown): { percent: number | undefined; downtimeMs: number | undefined } {
  const object = asObject(value);
  if (!object) return { percent: asNumber(value), downtimeMs: undefined };
  return { percent: readPercent(object), downtimeMs: asNumber(object.downtimeMs) };
}

export function readSlaReport(value: unknown): SlaReportSummary | undefined {
  const signed = asObject(value);
  if (!signed) return undefined;
  const report = asObject(signed.report) ?? signed;
  const totals = asObject(report.totals) ?? {};
  const final = report.final;
  return {
    month: asText(report.month),
    final: typeof final === 'boolean' ? final : undefined,
    nodesBelowTarget: asNumber(totals.nodesBelowTarget),
    creditSek: ore(asNumber(totals.creditOre)),
    signature: asText(signed.signature),
    signer: asText(signed.signer),
    nodes: listOf(report, ['nodes', 'items']).flatMap((item) => {
      const line = asObject(item);
      const nodeId = line && asText(pick(line, ['nodeId', 'id']));
      if (!line || !nodeId) return [];
      const rpc = availabilityOf(line.rpc ?? line);
      const blocks = availabilityOf(line.blockProduction);
      const covered = line.covered;
      return [
        {
          nodeId,
          name: asText(pick(line, ['name', 'nodeName'])),
          covered: typeof covered === 'boolean' ? covered : undefined,
          availabilityPercent: rpc.percent,
          blockProductionPercent: blocks.percent,
          downtimeMinutes: rpc.downtimeMs === undefined ? undefined : rpc.downtimeMs / 60_000,
          creditPercent: asNumber(pick(line, ['creditPercent', 'serviceCreditPercent'])),
        },
      ];
    }),
  };
}

/** A report as CSV when the server offers none: one row per node. */
export function slaReportCsv(report: SlaReportSummary): string {
  const cell = (value: string | number | undefined) => {
    const text = value === undefined ? '' : String(value);
    return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const rows: Array<Array<string | number | undefined>> = [
    [
      'month',
      'node_id',
      'node_name',
      'rpc_availability_percent',
      'block_production_percent',
      'downtime_minutes',
      'credit_percent',
    ],
  ];
  for (const node of report.nodes) {
    rows.push([
      report.month,
      node.nodeId,
      node.name,
      node.availabilityPercent,
      node.blockProductionPercent,
      node.downtimeMinutes,
      node.creditPercent,
    ]);
  }
  return `${rows.map((row) => row.map(cell).join(',')).join('\n')}\n`;
}

// ── Platform summary (operators) ───────────────────────────────────────────────────────────────────────────────

/** The platform summary's plain facts (version, mode, billing on or off, counts), as label/value pairs. */
export function readPlatformFacts(value: unknown): Array<readonly [string, string]> {
  const object = asObject(value);
  if (!object) return [];
  return Object.entries(object).flatMap(([key, item]) => {
    if (typeof item === 'string' || typeof item === 'number') return [[key, String(item)] as const];
    if (typeof item === 'boolean') return [[key, item ? 'yes' : 'no'] as const];
    return [];
  });
}
