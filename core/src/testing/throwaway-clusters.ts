/**
 * Throwaway embedded clusters for the tests that start their own (see setThrowawayClusters): no initdb sync
 * and no waiting for the disk. A test file opts in; file-setup.ts turns it off again before the next file.
 * Tests that kill the postmaster itself must not use it: it can lose the last commits.
 */
import { fileURLToPath } from 'node:url';
import { setThrowawayClusters } from '../db/embedded-cluster.js';

const preload = fileURLToPath(new URL('./throwaway-cluster-preload.mjs', import.meta.url));

/** Clusters this test process starts from now on are throwaway. */
export function useThrowawayClusters(on = true): void {
  setThrowawayClusters(on);
}

/** Environment for a spawned built server or CLI whose clusters are throwaway (it loads the preload). */
export function throwawayClusterEnv(): { NODE_OPTIONS: string } {
  return { NODE_OPTIONS: `--import=${preload}` };
}
