/**
 * The plan catalogue (docs/architecture.md, "Billing"): what each plan costs, includes and allows, as plain data. The API
 * lists it (`GET /v1/plans`), the gateway reads its limits, admission reads its hostings and key limits, the SLA
 * report reads its credit ladder, and billing maps it to Stripe prices by lookup key.
 *
 * Money is in öre (1 SEK = 100 öre) as integers, so sums are exact. Stripe holds the prices that are charged;
 * `npm run billing:sync` makes them match the figures here (billing-catalogue.ts), which are also what the console
 * shows and what an estimate (billing off) is made of.
 */
import { NotFoundError } from '../errors.ts';
import type { Meter } from './metering.ts';
import type { NodeHosting, NodeRole, NodeSize } from './node.ts';

export const PLAN_IDS = ['self-hosted', 'managed-member', 'managed-validator', 'enterprise'] as const;
export type PlanId = (typeof PLAN_IDS)[number];

/** One step of a service-credit ladder: availability below `below` % earns `creditPercent` % of the month's fee. */
export interface CreditStep {
  readonly below: number;
  readonly creditPercent: number;
}

export interface PlanStripePrices {
  /** Licensed monthly price per managed node, by node size. */
  readonly nodeMonthly: Readonly<Record<NodeSize, string>>;
  /** Metered price on the compute-unit meter; its first tier (the included units) is free. */
  readonly computeUnitOverage: string;
}

export interface Plan {
  readonly id: PlanId;
  readonly name: string;
  readonly description: string;
  readonly currency: 'sek';
  /** Monthly price of one managed node of each size, in öre. Zero on the free plan. */
  readonly monthlyPriceOre: Readonly<Record<NodeSize, number>>;
  /** Compute units included each month (see RPC_COMPUTE_UNITS in metering.ts). */
  readonly includedComputeUnits: number;
  /** Price of 1,000 compute units beyond the included ones, in öre. Zero: usage beyond is not charged. */
  readonly overagePer1000ComputeUnitsOre: number;
  /** Per-API-key token bucket at the JSON-RPC gateway. */
  readonly rateLimit: { readonly requestsPerSecond: number; readonly burst: number };
  readonly maxBatchSize: number;
  /** WebSocket connections one API key may hold open at the gateway, and subscriptions over all of them. */
  readonly webSocket: WebSocketLimits;
  readonly maxSigningKeys: number;
  readonly allowedHostings: readonly NodeHosting[];
  readonly allowedNodeRoles: readonly NodeRole[];
  /** Monthly availability target of managed nodes, in %; undefined where CareChain runs no node. */
  readonly slaTargetPercent: number | undefined;
  /** Ordered from the highest threshold down; the lowest step the availability is below applies. */
  readonly creditLadder: readonly CreditStep[];
  /** Stripe price lookup keys; undefined for a free plan (no Checkout). */
  readonly stripePrices: PlanStripePrices | undefined;
}

export interface WebSocketLimits {
  readonly maxConnectionsPerKey: number;
  readonly maxSubscriptionsPerKey: number;
}

const SEK = 100;

/** The reference ladder of service credits (docs/architecture.md, "Health, recovery and SLA"). */
const STANDARD_LADDER: readonly CreditStep[] = [
  { below: 99.9, creditPercent: 10 },
  { below: 99.0, creditPercent: 25 },
  { below: 95.0, creditPercent: 100 },
];

function stripePrices(planKey: string): PlanStripePrices {
  return {
    nodeMonthly: {
      small: `carechain_${planKey}_node_small_monthly`,
      medium: `carechain_${planKey}_node_medium_monthly`,
      large: `carechain_${planKey}_node_large_monthly`,
    },
    computeUnitOverage: `carechain_${planKey}_compute_units`,
  };
}

export const PLANS: readonly Plan[] = [
  {
    id: 'self-hosted',
    name: 'Self-hosted',
    description: 'Run your own node from a join bundle; gateway access with low limits and one signing key.',
    currency: 'sek',
    monthlyPriceOre: { small: 0, medium: 0, large: 0 },
    includedComputeUnits: 5_000_000,
    overagePer1000ComputeUnitsOre: 0,
    rateLimit: { requestsPerSecond: 10, burst: 20 },
    maxBatchSize: 10,
    webSocket: { maxConnectionsPerKey: 5, maxSubscriptionsPerKey: 20 },
    maxSigningKeys: 1,
    allowedHostings: ['self-hosted'],
    allowedNodeRoles: ['member'],
    slaTargetPercent: undefined,
    creditLadder: [],
    stripePrices: undefined,
  },
  {
    id: 'managed-member',
    name: 'Managed member node',
    description: 'A member node run by CareChain, with gateway access, signing keys and a 99.9 % SLA.',
    currency: 'sek',
    monthlyPriceOre: { small: 2_900 * SEK, medium: 5_900 * SEK, large: 11_900 * SEK },
    includedComputeUnits: 50_000_000,
    overagePer1000ComputeUnitsOre: 20,
    rateLimit: { requestsPerSecond: 100, burst: 200 },
    maxBatchSize: 50,
    webSocket: { maxConnectionsPerKey: 50, maxSubscriptionsPerKey: 500 },
    maxSigningKeys: 10,
    allowedHostings: ['managed', 'self-hosted'],
    allowedNodeRoles: ['member'],
    slaTargetPercent: 99.9,
    creditLadder: STANDARD_LADDER,
    stripePrices: stripePrices('managed_member'),
  },
  {
    id: 'managed-validator',
    name: 'Managed validator',
    description: 'A QBFT validator (and member nodes) run by CareChain, with a 99.9 % SLA.',
    currency: 'sek',
    monthlyPriceOre: { small: 4_900 * SEK, medium: 8_900 * SEK, large: 16_900 * SEK },
    includedComputeUnits: 50_000_000,
    overagePer1000ComputeUnitsOre: 20,
    rateLimit: { requestsPerSecond: 100, burst: 200 },
    maxBatchSize: 50,
    webSocket: { maxConnectionsPerKey: 50, maxSubscriptionsPerKey: 500 },
    maxSigningKeys: 10,
    allowedHostings: ['managed', 'self-hosted'],
    allowedNodeRoles: ['validator', 'member'],
    slaTargetPercent: 99.9,
    creditLadder: STANDARD_LADDER,
    stripePrices: stripePrices('managed_validator'),
  },
  {
    id: 'enterprise',
    name: 'Enterprise',
    description: 'Validators and member nodes with higher limits, more signing keys and a 99.95 % SLA.',
    currency: 'sek',
    monthlyPriceOre: { small: 9_900 * SEK, medium: 14_900 * SEK, large: 24_900 * SEK },
    includedComputeUnits: 500_000_000,
    overagePer1000ComputeUnitsOre: 10,
    rateLimit: { requestsPerSecond: 1_000, burst: 2_000 },
    maxBatchSize: 200,
    webSocket: { maxConnectionsPerKey: 500, maxSubscriptionsPerKey: 5_000 },
    maxSigningKeys: 100,
    allowedHostings: ['managed', 'self-hosted'],
    allowedNodeRoles: ['validator', 'member'],
    slaTargetPercent: 99.95,
    creditLadder: [
      { below: 99.95, creditPercent: 10 },
      { below: 99.9, creditPercent: 25 },
      { below: 99.0, creditPercent: 50 },
      { below: 95.0, creditPercent: 100 },
    ],
    stripePrices: stripePrices('enterprise'),
  },
];

export function isPlanId(value: string): value is PlanId {
  return (PLAN_IDS as readonly string[]).includes(value);
}

/** The plan with this id; an unknown id is the caller's mistake (404). */
export function getPlan(id: string): Plan {
  const plan = PLANS.find((candidate) => candidate.id === id);
  if (!plan) throw new NotFoundError(`No plan ${JSON.stringify(id)}; plans: ${PLAN_IDS.join(', ')}`);
  return plan;
}

/** Whether paying for the plan goes through Checkout. */
export function isPaidPlan(plan: Plan): boolean {
  return plan.stripePrices !== undefined;
}

/** The plan whose Stripe prices include this lookup key, if any. */
export function planOfLookupKey(lookupKey: string): Plan | undefined {
  return PLANS.find(
    (plan) =>
      plan.stripePrices !== undefined &&
      (plan.stripePrices.computeUnitOverage === lookupKey ||
        Object.values(plan.stripePrices.nodeMonthly).includes(lookupKey)),
  );
}

/** Service credit (% of the month's fee) for a month's availability under a plan's ladder. */
export function creditPercentFor(plan: Plan, availabilityPercent: number): number {
  let credit = 0;
  for (const step of plan.creditLadder) if (availabilityPercent < step.below) credit = step.creditPercent;
  return credit;
}

/**
 * Stripe meter `event_name` per CareChain meter. Values are sent in the meter's recorded unit (metering.ts):
 * node time goes in node-seconds, so its Stripe price divides by 3,600 (`transform_quantity`).
 */
export const STRIPE_METER_EVENT_NAMES: Readonly<Record<Meter, string>> = {
  rpc_compute_units: 'carechain_rpc_compute_units',
  rpc_requests: 'carechain_rpc_requests',
  api_requests: 'carechain_api_requests',
  signatures: 'carechain_signatures',
  node_hours: 'carechain_node_seconds',
  node_hours_small: 'carechain_node_seconds_small',
  node_hours_medium: 'carechain_node_seconds_medium',
  node_hours_large: 'carechain_node_seconds_large',
};

/** What an organisation used in a period, as the estimate needs it. */
export interface UsageSummary {
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly computeUnits: number;
  /** Hours managed nodes of each size were provisioned in the period. */
  readonly nodeHours: Partial<Readonly<Record<NodeSize, number>>>;
}

export interface EstimateLine {
  readonly description: string;
  readonly quantity: number;
  readonly amountOre: number;
}

export interface ChargeEstimate {
  readonly planId: PlanId;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly lines: readonly EstimateLine[];
  readonly totalOre: number;
}

/** Hours in the average month (8,760 / 12): a node's monthly price is spread over this many hours. */
export const HOURS_PER_MONTH = 730;

/**
 * What a period's usage would cost under a plan: node time pro rata of the monthly price (rounded to the öre per
 * size) and compute units beyond the included ones, per started 1,000.
 */
export function estimateCharges(plan: Plan, usage: UsageSummary): ChargeEstimate {
  const lines: EstimateLine[] = [];
  for (const size of ['small', 'medium', 'large'] as const) {
    const hours = usage.nodeHours[size] ?? 0;
    if (hours <= 0) continue;
    lines.push({
      description: `${plan.name}: ${size} node-hours`,
      quantity: hours,
      amountOre: Math.round((plan.monthlyPriceOre[size] * hours) / HOURS_PER_MONTH),
    });
  }
  const overageUnits = Math.max(0, usage.computeUnits - plan.includedComputeUnits);
  lines.push({
    description: `Compute units (${plan.includedComputeUnits.toLocaleString('en-US')} included)`,
    quantity: usage.computeUnits,
    amountOre: Math.ceil(overageUnits / 1000) * plan.overagePer1000ComputeUnitsOre,
  });
  return {
    planId: plan.id,
    periodStart: usage.periodStart,
    periodEnd: usage.periodEnd,
    lines,
    totalOre: lines.reduce((sum, line) => sum + line.amountOre, 0),
  };
}

/** What the JSON-RPC gateway applies of an organisation's plan: its token bucket, batch size and methods. */
export interface GatewayPlan {
  readonly id: string;
  readonly requestsPerSecond: number;
  readonly burst: number;
  readonly maxBatchSize: number;
  /** Method names or `namespace_*` patterns; narrows what the gateway offers, never widens it. */
  readonly allowedMethods?: readonly string[];
  /** WebSocket connections and subscriptions per key. @default DEFAULT_GATEWAY_PLAN.webSocket */
  readonly webSocket?: WebSocketLimits;
}

/** Limits for organisations whose plan says nothing else (billing off, or no plan chosen yet). */
export const DEFAULT_GATEWAY_PLAN: GatewayPlan = {
  id: 'default',
  requestsPerSecond: 200,
  burst: 400,
  maxBatchSize: 100,
  webSocket: { maxConnectionsPerKey: 20, maxSubscriptionsPerKey: 200 },
};
