/**
 * The one way this code base makes a Stripe client, so billing and the catalogue talk to Stripe alike: Stripe's
 * own retries with idempotency keys, a per-request timeout, no telemetry, and `host`/`port`/`protocol` for a local
 * Stripe-shaped server in tests.
 */
import Stripe from 'stripe';

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

export function createStripeClient(options: StripeClientOptions): Stripe {
  return new Stripe(options.secretKey, {
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
