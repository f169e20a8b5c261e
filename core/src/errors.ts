/** Domain errors; the server maps them to HTTP statuses in one place (error-handler.ts). */

/** Base class: `code` is stable for clients, `message` is safe to show. */
export class AppError extends Error {
  readonly userFacing = true;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
export class BadRequestError extends AppError {
  constructor(message: string, details?: unknown, code = 'bad_request') {
    super(400, code, message, details);
  }
}
export class NotFoundError extends AppError {
  constructor(message = 'not found') {
    super(404, 'not_found', message);
  }
}
export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'login required') {
    super(401, 'unauthorized', message);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'forbidden') {
    super(403, 'forbidden', message);
  }
}
export class TooManyRequestsError extends AppError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(429, 'too_many_requests', message);
  }
}
/** The server is busy (a bounded queue is full); the client may retry after `retryAfterSeconds`. */
export class ServiceUnavailableError extends AppError {
  constructor(message: string, readonly retryAfterSeconds: number, code = 'busy') {
    super(503, code, message);
  }
}
/** Image search is still loading its index after a start (browse and text search already answer). */
export class WarmingUpError extends ServiceUnavailableError {
  constructor(retryAfterSeconds = 5) {
    super('Image search is warming up (loading its index); try again in a few seconds.', retryAfterSeconds, 'warming_up');
  }
}
