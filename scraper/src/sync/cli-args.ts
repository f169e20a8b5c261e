/** Small flag parser for the scraper commands (node:util parseArgs with a usage error). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '@waifudex/core/errors';

export interface Flags {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parseFlags(args: string[], options: NonNullable<ParseArgsConfig['options']>, usage: string): Flags {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: r.values as Flags['values'], positionals: r.positionals };
  } catch (err) {
    throw new UserError(`${(err as Error).message}\nusage: ${usage}`);
  }
}

/** Ctrl-C / SIGTERM once: stop gracefully (between messages); twice: exit now. */
export function abortOnSignals(logger: { warn(msg: string): void }): AbortController {
  const ac = new AbortController();
  const onSignal = (sig: string) => {
    if (ac.signal.aborted) process.exit(130);
    logger.warn(`${sig}: finishing the current messages, then stopping (again to exit now)`);
    ac.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  return ac;
}
