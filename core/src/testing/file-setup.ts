/**
 * Runs before every test file. Test files share their worker process (vitest.config.ts: `isolate: false`),
 * so what a file leaves on the process is put back here: a CLI command run in-process that failed on
 * purpose sets process.exitCode, which the next file must not inherit.
 */
import { afterAll } from 'vitest';

process.exitCode = undefined;
afterAll(() => {
  process.exitCode = undefined;
});
