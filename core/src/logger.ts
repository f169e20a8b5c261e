/** pino logger factory; redacts anything that looks like a secret. */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the process logger; `toStderr` keeps stdout free for data (e.g. an archive on stdout). */
export function createLogger(level: string = 'info', name = 'waifudex', toStderr = false): Logger {
  const options = {
    name,
    level,
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        'session',
        '*.session',
        'apiHash',
        '*.apiHash',
        'databaseUrl',
        '*.databaseUrl',
        'req.headers.cookie',
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
  };
  return toStderr ? pino(options, pino.destination(2)) : pino(options);
}

/** Removes the password from a connection string so it can be shown. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}
