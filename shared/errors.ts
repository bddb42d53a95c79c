/**
 * Every error the code raises on purpose is a `CareChainError`: a named class (its name is the class's), with the
 * failure that led to it as `cause`. Two branches, by who can act on it:
 *
 * - `AppError`: the caller's to act on. It has an HTTP status and a stable problem type, and the one `onError` of
 *   each app turns it into RFC 9457 problem+json whose detail is the message. Only raise one with a message fit
 *   for the caller; 5xx members (`UpstreamError`, `ServiceUnavailableError`) say what failed without internals.
 * - `PlatformError`: the platform's own failure (configuration, a process, a file, a node's JSON-RPC, a record
 *   that changed under a retry loop, a deployment setting). It has no status on purpose: an HTTP entry point treats
 *   it as it treats any unexpected error (logged with its cause, answered 500 with a generic detail), a job or a
 *   worker logs it, and a Lambda invocation fails with it. Its message is for operators and may name internals.
 *
 * Subclasses narrow either branch where a caller tells failures apart (`ConfigError` for start-up, `PortTakenError`
 * for a retry on other ports, `OutboundRequestError` with its kind of failure).
 */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export interface ErrorCause {
  readonly cause?: unknown;
}

export abstract class CareChainError extends Error {
  constructor(message: string, options?: ErrorCause) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The caller's to act on: mapped to problem+json with this status and type. */
export abstract class AppError extends CareChainError {
  abstract readonly status: number;
  /** Stable, documented problem type; the last segment of `https://carechain.se/problems/<type>`. */
  abstract readonly type: string;
  abstract readonly title: string;
  readonly headers: Record<string, string> = {};
}

/** The platform's own failure, never shown to a caller as it is (see above). */
export class PlatformError extends CareChainError {}

/** The CDK app refuses to synthesise: a deployment setting or a construct's input is wrong. */
export class DeploymentError extends PlatformError {}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly type = 'validation-failed';
  readonly title = 'The request is not valid';
  constructor(
    message: string,
    readonly fields: readonly FieldError[] = [],
    options?: ErrorCause,
  ) {
    super(message, options);
  }
}

export class BadRequestError extends AppError {
  readonly status = 400;
  readonly type = 'bad-request';
  readonly title = 'Bad request';
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly type = 'unauthorized';
  readonly title = 'Authentication required';
}

export class PaymentRequiredError extends AppError {
  readonly status = 402;
  readonly type = 'payment-required';
  readonly title = 'Payment required';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly type = 'forbidden';
  readonly title = 'Not allowed';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly type = 'not-found';
  readonly title = 'Not found';
}

/**
 * The tenant boundary below the application refused: credentials scoped to one organisation reached for another
 * organisation's key or item (IAM in AWS; the local vault and table rules locally). The caller is answered as for
 * any other organisation's resource; the app logs it as a warning, since a check above it did not hold.
 */
export class TenantAccessDeniedError extends NotFoundError {
  constructor(options?: ErrorCause) {
    super('Not found', options);
  }
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly type = 'conflict';
  readonly title = 'Conflict';
}

/** A state-machine transition that the current state does not allow. */
export class InvalidStateError extends AppError {
  readonly status = 409;
  readonly type = 'invalid-state';
  readonly title = 'Not allowed in the current state';
}

/**
 * The request would put personal data on chain and the network's policy blocks it. `findings` name each detector
 * and where it matched (`calldata offset 68`), never the value; problem+json lists them.
 */
export class PersonalDataRefusedError extends AppError {
  readonly status = 422;
  readonly type = 'personal-data-refused';
  readonly title = 'Personal data must not be written to the chain';
  constructor(
    message: string,
    readonly findings: readonly { readonly detector: string; readonly location: string }[],
    options?: ErrorCause,
  ) {
    super(message, options);
  }
}

export class MethodNotAllowedError extends AppError {
  readonly status = 405;
  readonly type = 'method-not-allowed';
  readonly title = 'Method not allowed';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly type = 'payload-too-large';
  readonly title = 'Request body too large';
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly type = 'unsupported-media-type';
  readonly title = 'Unsupported media type';
}

export class TooManyRequestsError extends AppError {
  readonly status = 429;
  readonly type = 'too-many-requests';
  readonly title = 'Too many requests';
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}

/** Our fault, not the caller's: the detail says only that, and the request id finds the log line. */
export class InternalError extends AppError {
  readonly status = 500;
  readonly type = 'internal-error';
  readonly title = 'Internal error';
}

export class UpstreamError extends AppError {
  readonly status = 502;
  readonly type = 'upstream-failed';
  readonly title = 'A dependency failed';
}

export class ServiceUnavailableError extends AppError {
  readonly status = 503;
  readonly type = 'service-unavailable';
  readonly title = 'Temporarily unavailable';
}
