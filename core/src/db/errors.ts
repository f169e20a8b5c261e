/** Raised when the database cannot be opened or reached; the message names where, never a password. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}
