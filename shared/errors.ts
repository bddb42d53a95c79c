/**
 * Named errors with an HTTP status and a stable problem type. They are mapped to RFC 9457 problem+json in one
 * place (the app's onError); everything else that escapes is a 500 and is logged, never shown.
 */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  /** Stable, documented problem type; the last segment of `https://carechain.se/problems/<type>`. */
  abstract readonly type: string;
  abstract readonly title: string;
  readonly headers: Record<string, string> = {};

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly type = 'validation-failed';
  readonly title = 'The request is not valid';
  constructor(
    message: string,
    readonly fields: readonly FieldError[] = [],
    options?: { cause?: unknown },
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
