import { fileURLToPath } from 'node:url';

const preload = fileURLToPath(new URL('../../../core/src/testing/throwaway-cluster-preload.mjs', import.meta.url));

/**
 * Environment for a spawned built server or CLI whose embedded clusters are throwaway (no disk waits; see
 * core/src/testing/throwaway-clusters.ts): it loads the preload that turns them on in that process, and
 * names the run's pristine cluster that new ones are copied from.
 */
export function throwawayClusterEnv(): { NODE_OPTIONS: string; WDX_TEST_CLUSTER_TEMPLATE?: string } {
  const template = process.env.WDX_TEST_CLUSTER_TEMPLATE;
  return { NODE_OPTIONS: `--import=${preload}`, ...(template ? { WDX_TEST_CLUSTER_TEMPLATE: template } : {}) };
}
