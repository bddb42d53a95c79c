/**
 * How webhook deliveries are signed, as Stripe signs its own (docs/architecture.md, "Event streams"):
 *
 *   CareChain-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the endpoint's secret>
 *
 * The timestamp is inside what is signed, so a receiver that checks it refuses a delivery replayed later; the body
 * carries the event id, so a receiver that remembers ids refuses one replayed within the tolerance. Receivers verify
 * with `verifyWebhookSignature` (the README shows a receiver), which compares in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestError } from '../errors.ts';

export const SIGNATURE_HEADER = 'CareChain-Signature';
export const EVENT_ID_HEADER = 'CareChain-Event-Id';
export const EVENT_TYPE_HEADER = 'CareChain-Event-Type';
/** How old a signature may be when it is checked. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Why a delivery's signature was refused: no usable header, no matching signature, or too old (or too new). */
export class WebhookSignatureError extends BadRequestError {
  constructor(
    readonly reason: 'malformed' | 'mismatch' | 'stale',
    message: string,
  ) {
    super(message);
  }
}

function hmacHex(secret: string, timestamp: number, payload: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
}

/** The header value for `payload` (the exact body sent) signed at `timestamp` (unix seconds). */
export function signatureHeader(payload: string, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, payload)}`;
}

/**
 * Checks a delivery: `payload` is the raw body as received (not re-serialised JSON), `header` the
 * `CareChain-Signature` value. Throws WebhookSignatureError when it was not signed with `secret` or its timestamp is
 * more than `toleranceSeconds` from `now`.
 */
export function verifyWebhookSignature(options: {
  readonly payload: string;
  readonly header: string | null | undefined;
  readonly secret: string;
  readonly toleranceSeconds?: number;
  readonly now?: Date;
}): void {
  const { payload, header, secret } = options;
  const parts = (header ?? '').split(',').map((part) => part.trim().split('='));
  const timestamps = parts.filter(([name]) => name === 't').map(([, value]) => value ?? '');
  const signatures = parts.filter(([name]) => name === 'v1').map(([, value]) => value ?? '');
  const timestamp = timestamps.length === 1 && /^\d{1,12}$/.test(timestamps[0] as string) ? Number(timestamps[0]) : NaN;
  if (Number.isNaN(timestamp) || signatures.length === 0) {
    throw new WebhookSignatureError('malformed', `The ${SIGNATURE_HEADER} header is missing or not t=…,v1=…`);
  }
  const expected = Buffer.from(hmacHex(secret, timestamp, payload), 'utf8');
  const matches = signatures.some((signature) => {
    const given = Buffer.from(signature, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookSignatureError('mismatch', 'No signature matches the body and the secret');
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - timestamp) > tolerance) {
    throw new WebhookSignatureError('stale', `The signature is more than ${tolerance} seconds old`);
  }
}
