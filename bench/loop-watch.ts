/**
 * The event loop's longest stall, split by cause. monitorEventLoopDelay sees every late timer, including
 * the ones that were late because the box gave the process no core; on a loaded box those dominate. Each
 * 1 ms tick here also reads how much of the time since the previous tick the loop spent out of its poll
 * (eventLoopUtilization's `active`): that part is this process's own work (JavaScript, GC, callbacks);
 * the rest of a late tick was spent waiting in the poll for the kernel to wake the thread.
 */
import { performance } from 'node:perf_hooks';
import { r3 } from './percentiles.js';

export interface LoopStalls {
  /** Longest time between two ticks (ms). */
  max_ms: number;
  /** Longest stretch the loop itself was busy between two ticks (ms). */
  busy_max_ms: number;
  /** Ticks more than 50 ms late, and of them those busy for more than 50 ms. */
  over_50ms: number;
  busy_over_50ms: number;
}

export function watchLoop(): { stop(): LoopStalls } {
  let prevT = performance.now();
  let prevU = performance.eventLoopUtilization();
  const s: LoopStalls = { max_ms: 0, busy_max_ms: 0, over_50ms: 0, busy_over_50ms: 0 };
  const tick = () => {
    const t = performance.now();
    const u = performance.eventLoopUtilization();
    const gap = t - prevT;
    const busy = performance.eventLoopUtilization(u, prevU).active;
    s.max_ms = Math.max(s.max_ms, gap);
    s.busy_max_ms = Math.max(s.busy_max_ms, busy);
    if (gap > 50) s.over_50ms++;
    if (busy > 50) s.busy_over_50ms++;
    prevT = t;
    prevU = u;
  };
  const timer = setInterval(tick, 1);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { ...s, max_ms: r3(s.max_ms), busy_max_ms: r3(s.busy_max_ms) };
    },
  };
}
