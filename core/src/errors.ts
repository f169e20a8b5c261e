/** Domain errors; the server maps them to HTTP statuses in one place (error-handler.ts). */

/**
 * The one user-facing error: its message is safe and useful to show as it is. A CLI prints it as one
 * line (run-main.ts); the server answers its `status` with `{ code, message, details }`. Without a
 * status it is not an HTTP answer (a CLI usage error, say) and stays a 500 if it ever reaches a route.
 */
export class UserError extends Error {
  readonly status: number | undefined;
  /** Stable for clients. */
  readonly code: string;
  readonly details: unknown;
  constructor(message: string, opts: { status?: number; code?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.status = opts.status;
    this.code = opts.code ?? 'error';
    this.details = opts.details;
  }
}
export class BadRequestError extends UserError {
  constructor(message: string, details?: unknown, code = 'bad_request') {
    super(message, { status: 400, code, details });
  }
}
export class NotFoundError extends UserError {
  constructor(message = 'not found') {
    super(message, { status: 404, code: 'not_found' });
  }
}
export class ConflictError extends UserError {
  constructor(message: string) {
    super(message, { status: 409, code: 'conflict' });
  }
}
export class UnauthorizedError extends UserError {
  constructor(message = 'login required') {
    super(message, { status: 401, code: 'unauthorized' });
  }
}
export class ForbiddenError extends UserError {
  constructor(message = 'forbidden') {
    super(message, { status: 403, code: 'forbidden' });
  }
}
export class TooManyRequestsError extends UserError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, { status: 429, code: 'too_many_requests' });
  }
}
/** The server is busy (a bounded queue is full); the client may retry after `retryAfterSeconds`. */
export class ServiceUnavailableError extends UserError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    code = 'busy',
  ) {
    super(message, { status: 503, code });
  }
}
/** Image search is still loading its index after a start (browse and text search already answer). */
export class WarmingUpError extends ServiceUnavailableError {
  constructor(retryAfterSeconds = 5) {
    super(
      'Image search is warming up (loading its index); try again in a few seconds.',
      retryAfterSeconds,
      'warming_up',
    );
  }
}
