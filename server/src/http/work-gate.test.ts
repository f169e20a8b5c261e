import { describe, expect, it } from 'vitest';
import { createWorkGate } from './work-gate.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('work gate', () => {
  it('runs at most `concurrency` jobs, queues `queue` more, refuses the rest with 503 + Retry-After', async () => {
    const gate = createWorkGate({ concurrency: 2, queue: 1, maxWaitMs: 10_000 });
    const blockers = [deferred(), deferred(), deferred()];
    let peak = 0;
    let running = 0;
    const job = (d: ReturnType<typeof deferred>) => async () => {
      peak = Math.max(peak, ++running);
      await d.promise;
      running--;
      return 'done';
    };
    const runs = blockers.map((d) => gate.run(job(d)));
    await expect(gate.run(async () => 'x')).rejects.toMatchObject({ status: 503, retryAfterSeconds: 2 });
    expect(gate.stats()).toEqual({ running: 2, waiting: 1 });
    blockers.forEach((d) => d.resolve());
    expect(await Promise.all(runs)).toEqual(['done', 'done', 'done']);
    expect(peak).toBe(2);
    expect(gate.stats()).toEqual({ running: 0, waiting: 0 });
  });

  it('a waiter gives up after maxWaitMs, and a failing job frees its slot', async () => {
    const gate = createWorkGate({ concurrency: 1, queue: 5, maxWaitMs: 50 });
    const d = deferred();
    const first = gate.run(() => d.promise);
    await expect(gate.run(async () => 1)).rejects.toMatchObject({ status: 503 });
    d.resolve();
    await first;
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run(async () => 2)).toBe(2);
  });
});
