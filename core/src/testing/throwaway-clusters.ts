/**
 * Throwaway embedded clusters for the tests that start their own (see setThrowawayClusters): no initdb sync
 * and no waiting for the disk. A test file opts in; file-setup.ts turns it off again before the next file.
 * Built server and CLI processes a test spawns opt in by loading throwaway-cluster-preload.mjs
 * (scraper/src/testing/throwaway-cluster-env.ts).
 * Tests that kill the postmaster itself must not use it: it can lose the last commits.
 */
import { setThrowawayClusters } from '../db/embedded-cluster.js';

/**
 * Clusters this test process starts from now on are throwaway; new ones are copies of the run's pristine
 * cluster (global-setup.ts) instead of an initdb each.
 */
export function useThrowawayClusters(on = true): void {
  setThrowawayClusters(on, { template: process.env.WDX_TEST_CLUSTER_TEMPLATE });
}
