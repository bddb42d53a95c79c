/**
 * The one way this code base makes a Stripe client, so billing and the catalogue talk to Stripe alike: Stripe's
 * own retries with idempotency keys, a per-request timeout, no telemetry, and `host`/`port`/`protocol` for a local
 * Stripe-shaped server in tests.
 *
 * The client is made, and the `stripe` package loaded, at the first call to Stripe: the API serves billing on a
 * few of its routes, and a Lambda bundle keeps the package (240 KiB) in a chunk read then rather than at every cold
 * start (shared/lazy-once.ts).
 */
import type Stripe from 'stripe';
import { lazyOnce } from '../../lazy-once.ts';
import { toAppError } from './stripe-errors.ts';

/** The `stripe` package, loaded at its first use. */
export const stripePackage = lazyOnce(() => import('stripe'));

export interface StripeClientOptions {
  readonly secretKey: string;
  /** API host, for a local fake. @default Stripe's */
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: 'http' | 'https';
  /** Retries of a failed request (network faults, 409/429/5xx), with Stripe's backoff. @default 2 */
  readonly maxNetworkRetries?: number;
  /** Per-request timeout in milliseconds. @default 20000 */
  readonly timeoutMs?: number;
}

/** The client, made at the first call and then kept. */
export type StripeClient = () => Promise<Stripe>;

export function createStripeClient(options: StripeClientOptions): StripeClient {
  return lazyOnce(async () => newClient((await stripePackage()).default, options));
}

function newClient(StripeClass: typeof Stripe, options: StripeClientOptions): Stripe {
  return new StripeClass(options.secretKey, {
    host: options.host,
    port: options.port,
    protocol: options.protocol,
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 20_000,
    telemetry: false,
    appInfo: { name: 'carechain-baas' },
  });
}

/** Live keys (secret `sk_live_…` or restricted `rk_live_…`) move real money; every other key is test mode. */
export function stripeKeyMode(secretKey: string): 'test' | 'live' {
  return /^(sk|rk)_live_/.test(secretKey) ? 'live' : 'test';
}

/**
 * One request to Stripe with the client (made at the first call), any failure turned into ours (`toAppError`) naming
 * what was being done: a package that cannot be loaded included.
 */
export async function callStripe<T>(
  client: StripeClient,
  action: string,
  request: (stripe: Stripe) => Promise<T>,
): Promise<T> {
  try {
    return await request(await client());
  } catch (error) {
    throw toAppError(error, action);
  }
}
