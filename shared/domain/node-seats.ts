/**
 * Node seats: a paid plan charges a monthly price per managed node, by size (the plan's `nodeMonthly` prices).
 * The subscription's quantity of each size's price follows the managed nodes the organisation holds.
 *
 * A node holds its seat from the request until it is deprovisioned: stopped nodes keep their disks and addresses,
 * and nodes stopped for non-payment come back when the account is paid. A node that failed, or is on its way out,
 * holds none. The seat bought at Checkout stays when an organisation has no node yet (or none any more): the
 * quantities change only while it holds at least one.
 */
import { NODE_SIZES, type NodeRecord, type NodeSize } from './node.ts';
import type { Plan } from './plans.ts';

export type NodeSeats = Readonly<Record<NodeSize, number>>;

export function holdsSeat(node: Pick<NodeRecord, 'hosting' | 'state' | 'desiredState'>): boolean {
  if (node.hosting !== 'managed' || node.desiredState === 'terminated') return false;
  return node.state !== 'failed' && node.state !== 'deprovisioning' && node.state !== 'terminated';
}

export function countNodeSeats(nodes: readonly Pick<NodeRecord, 'hosting' | 'state' | 'desiredState' | 'size'>[]) {
  const seats: Record<NodeSize, number> = { small: 0, medium: 0, large: 0 };
  for (const node of nodes) if (holdsSeat(node)) seats[node.size] += 1;
  return seats as NodeSeats;
}

/**
 * The quantity of each of the plan's node prices (by lookup key) for these seats, or undefined when nothing
 * should change: a free plan, or no seat held.
 */
export function seatQuantities(plan: Plan, seats: NodeSeats): Record<string, number> | undefined {
  if (!plan.stripePrices) return undefined;
  if (NODE_SIZES.every((size) => seats[size] === 0)) return undefined;
  const prices = plan.stripePrices.nodeMonthly;
  return Object.fromEntries(NODE_SIZES.map((size) => [prices[size], seats[size]]));
}
