/** Entry-point wrapper: known errors become one clear line on stderr and exit code 1. */
import { ConfigError } from './config/env.js';
import { DatabaseUnavailableError } from './db/database.js';

/** Runs an async main; prints expected failures as one line, unexpected ones with a stack. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => undefined,
    (err: unknown) => {
      if (err instanceof ConfigError || err instanceof DatabaseUnavailableError || (err as { userFacing?: boolean })?.userFacing) {
        console.error(`error: ${(err as Error).message}`);
      } else {
        console.error(err);
      }
      process.exitCode = 1;
    },
  );
}
