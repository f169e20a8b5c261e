// Loaded with `node --import` into the built server and CLI processes that a test spawns (see
// throwaway-clusters.ts): the embedded clusters they create or start are throwaway. Plain JavaScript
// because those processes run the built code without tsx; the import resolves to that same built module.
import { setThrowawayClusters } from '@waifudex/core/db/embedded-cluster';

setThrowawayClusters(true, { template: process.env.WDX_TEST_CLUSTER_TEMPLATE });
