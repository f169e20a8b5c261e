/** Deletes expired admin sessions at start and then hourly, so the table does not grow with every login. */
import type { Logger } from '@waifudex/core/logger';
import type { AuthService } from '@waifudex/core/services/auth.service';

export function scheduleSessionPurge(
  auth: Pick<AuthService, 'purgeExpiredSessions'>,
  logger: Logger,
  everyMs = 60 * 60_000,
): () => void {
  const run = () =>
    auth.purgeExpiredSessions().then(
      (n) => n && logger.info({ purged: n }, 'expired sessions purged'),
      (err: unknown) => logger.warn({ err }, 'session purge failed'),
    );
  void run();
  const timer = setInterval(() => void run(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
