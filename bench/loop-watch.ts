/**
 * The event loop's longest stall, split by cause. monitorEventLoopDelay sees every late timer, including
 * the ones that were late because the box gave the process no core; on a loaded box those dominate. Each
 * 1 ms tick here also reads how much of the time since the previous tick the loop spent out of its poll
 * (eventLoopUtilization's `active`: JavaScript, GC, callbacks, and also any time the kernel preempted the
 * thread in the middle of them), and on Linux the main thread's own scheduler counters
 * (/proc/thread-self/schedstat): the CPU time it actually ran and the time it sat runnable in the run
 * queue waiting for a core. A stall with a small CPU part was the box, not this process's code.
 */
import { performance } from 'node:perf_hooks';
import { threadSchedstat } from '@waifudex/core/images/thread-cpu';
import { r3 } from './percentiles.js';

export interface LoopStalls {
  /** Longest time between two ticks (ms). */
  max_ms: number;
  /** Longest stretch the loop itself was out of its poll between two ticks (ms; includes preemption). */
  busy_max_ms: number;
  /** Most CPU time the main thread ran between two ticks (ms): its longest run of its own work. */
  cpu_max_ms: number | null;
  /** Longest run-queue wait of the main thread between two ticks (ms): no core for it. */
  runqueue_max_ms: number | null;
  /** Ticks more than 50 ms late; of them those busy for more than 50 ms; those with more than 50 ms of CPU. */
  over_50ms: number;
  busy_over_50ms: number;
  cpu_over_50ms: number | null;
}

export function watchLoop(): { stop(): LoopStalls } {
  let prevT = performance.now();
  let prevU = performance.eventLoopUtilization();
  let prevS = threadSchedstat();
  const s = {
    max_ms: 0,
    busy_max_ms: 0,
    cpu_max_ms: 0,
    runqueue_max_ms: 0,
    over_50ms: 0,
    busy_over_50ms: 0,
    cpu_over_50ms: 0,
  };
  const tick = () => {
    const t = performance.now();
    const u = performance.eventLoopUtilization();
    const sc = threadSchedstat();
    const gap = t - prevT;
    const busy = performance.eventLoopUtilization(u, prevU).active;
    s.max_ms = Math.max(s.max_ms, gap);
    s.busy_max_ms = Math.max(s.busy_max_ms, busy);
    if (gap > 50) s.over_50ms++;
    if (busy > 50) s.busy_over_50ms++;
    if (sc && prevS) {
      const cpu = sc.cpu - prevS.cpu;
      s.cpu_max_ms = Math.max(s.cpu_max_ms, cpu);
      s.runqueue_max_ms = Math.max(s.runqueue_max_ms, sc.wait - prevS.wait);
      if (cpu > 50) s.cpu_over_50ms++;
    }
    prevT = t;
    prevU = u;
    prevS = sc;
  };
  const timer = setInterval(tick, 1);
  const linux = prevS !== null;
  return {
    stop() {
      clearInterval(timer);
      tick();
      return {
        max_ms: r3(s.max_ms),
        busy_max_ms: r3(s.busy_max_ms),
        cpu_max_ms: linux ? r3(s.cpu_max_ms) : null,
        runqueue_max_ms: linux ? r3(s.runqueue_max_ms) : null,
        over_50ms: s.over_50ms,
        busy_over_50ms: s.busy_over_50ms,
        cpu_over_50ms: linux ? s.cpu_over_50ms : null,
      };
    },
  };
}
