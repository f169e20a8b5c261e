/** Entry-point wrapper: known errors become one clear line on stderr and exit code 1. */
import { UserError } from './errors.js';

/** Runs an async main; prints expected failures as one line, unexpected ones with a stack. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => undefined,
    (err: unknown) => {
      // ConfigError and DatabaseUnavailableError are UserErrors too
      if (err instanceof UserError) {
        console.error(`error: ${err.message}`);
      } else {
        console.error(err);
      }
      process.exitCode = 1;
    },
  );
}
