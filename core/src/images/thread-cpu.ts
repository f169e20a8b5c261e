import { readFileSync } from 'node:fs';

/**
 * The calling thread's own CPU time and its run-queue wait so far (ms), from Linux's per-thread scheduler
 * counters; null elsewhere. On a shared box the wall time of a piece of work is both: the first is the
 * work, the second the box.
 */
export function threadSchedstat(): { cpu: number; wait: number } | null {
  try {
    const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return { cpu: cpu! / 1e6, wait: wait! / 1e6 };
  } catch {
    return null;
  }
}
