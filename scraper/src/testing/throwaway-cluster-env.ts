import { fileURLToPath } from 'node:url';

const preload = fileURLToPath(new URL('../../../core/src/testing/throwaway-cluster-preload.mjs', import.meta.url));

/**
 * Environment for a spawned built server or CLI whose embedded clusters are throwaway (no disk waits; see
 * core/src/testing/throwaway-clusters.ts): it loads the preload that turns them on in that process.
 */
export function throwawayClusterEnv(): { NODE_OPTIONS: string } {
  return { NODE_OPTIONS: `--import=${preload}` };
}
