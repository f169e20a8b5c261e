/** A sliding-window limiter per key (user or group), in memory: N events per window. */

export interface RateLimiter {
  /** Takes one slot for key; returns 0 when allowed, else the seconds until a slot frees. */
  take(key: string): number;
}

export function createRateLimiter(opts: { limit: number; windowMs: number; now?: () => number }): RateLimiter {
  const now = opts.now ?? Date.now;
  const hits = new Map<string, number[]>();
  let calls = 0;
  return {
    take(key) {
      const t = now();
      const list = (hits.get(key) ?? []).filter((x) => x > t - opts.windowMs);
      // forget idle keys now and then, so the map does not grow with every user ever seen
      if (++calls % 1000 === 0) for (const [k, v] of hits) if (!v.some((x) => x > t - opts.windowMs)) hits.delete(k);
      if (list.length >= opts.limit) {
        hits.set(key, list);
        return Math.max(1, Math.ceil((list[0]! + opts.windowMs - t) / 1000));
      }
      list.push(t);
      hits.set(key, list);
      return 0;
    },
  };
}
