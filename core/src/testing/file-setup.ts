/**
 * Runs before every test file. Test files share their worker process (vitest.config.ts: `isolate: false`),
 * so what a file leaves on the process is put back here: a CLI command run in-process that failed on
 * purpose sets process.exitCode, and a file that opted into throwaway embedded clusters turned them on;
 * the next file must inherit neither.
 */
import { afterAll } from 'vitest';
import { setThrowawayClusters } from '../db/embedded-cluster.js';

process.exitCode = undefined;
setThrowawayClusters(false);
afterAll(() => {
  process.exitCode = undefined;
  setThrowawayClusters(false);
});
