/**
 * Stripe's errors in our terms: an id Stripe does not know is a 404, a request Stripe refuses is a 502 with
 * Stripe's reason kept as the cause, and a network fault or Stripe outage is a 502 the caller may retry.
 * Messages never carry request bodies or keys.
 */
import type Stripe from 'stripe';
import { AppError, NotFoundError, UpstreamError } from '../../errors.ts';

type StripeError = InstanceType<typeof Stripe.errors.StripeError>;

/**
 * Whether `error` is one of Stripe's, told by its `type` (`StripeInvalidRequestError`, `StripeAPIError`, …), as
 * Stripe's documentation handles errors: the package itself is loaded only when a call is made (stripe-client.ts).
 */
export function isStripeError(error: unknown, type?: StripeError['type']): error is StripeError {
  if (!(error instanceof Error)) return false;
  const actual = (error as { type?: unknown }).type;
  return typeof actual === 'string' && actual.startsWith('Stripe') && (type === undefined || actual === type);
}

/** Stripe's answer to a meter event whose identifier it already holds (400, `stripe-should-retry: false`). */
const DUPLICATE_METER_EVENT = /already exists with identifier/i;

export function isDuplicateMeterEvent(error: unknown): boolean {
  return (
    isStripeError(error, 'StripeInvalidRequestError') &&
    (DUPLICATE_METER_EVENT.test(error.message) || error.code === 'duplicate_meter_event')
  );
}

/** Stripe's refusal of an archived price in a purchase (`line_items[0][price]`, `price`): 400, "…is inactive…". */
export function isInactivePriceRefusal(error: unknown): boolean {
  return (
    isStripeError(error, 'StripeInvalidRequestError') &&
    /\bprice\b/.test(error.param ?? '') &&
    /inactive/i.test(error.message)
  );
}

export function toAppError(error: unknown, action: string): Error {
  if (error instanceof AppError) return error;
  if (isStripeError(error)) {
    if (error.statusCode === 404 || error.code === 'resource_missing') {
      return new NotFoundError(`Stripe has no such object (${action})`, { cause: error });
    }
    return new UpstreamError(`Stripe refused or failed to ${action}: ${error.type}`, { cause: error });
  }
  return new UpstreamError(`Could not ${action} with Stripe`, { cause: error });
}
