/**
 * Readers for the billing answers (plans, the billing account, checkout, portal, invoices). Their schemas live
 * beside the billing routes rather than in shared/schemas, and the console imports no server code, so these
 * answers are read field by field instead of typed from the schema. When the billing schemas move to
 * shared/schemas, these readers give way to type imports like the rest of api-types.ts.
 */

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

function asText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The list inside an answer: the answer itself, or its `items` (or another named array). */
function listOf(value: unknown, names: readonly string[] = ['items']): unknown[] {
  if (Array.isArray(value)) return value;
  const object = asObject(value);
  if (!object) return [];
  const found = pick(object, names);
  return Array.isArray(found) ? found : [];
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
