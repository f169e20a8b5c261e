import { UserError } from '../errors.js';

/** Raised when the database cannot be opened or reached; the message names where, never a password. */
export class DatabaseUnavailableError extends UserError {
  override name = 'DatabaseUnavailableError';
}
