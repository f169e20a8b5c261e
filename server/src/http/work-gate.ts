/**
 * Bounded queue for expensive work (image decoding and verification, fuzzy text search): at most
 * `concurrency` jobs run at once, up to `queue` more wait at most `maxWaitMs`, and the rest are refused
 * at once with 503 + Retry-After. Keeps a flood of searches from starving browsing and from holding many
 * decoded images in memory.
 */
import { ServiceUnavailableError } from '@waifudex/core/errors';

export interface WorkGateOptions {
  concurrency: number;
  queue: number;
  /** Longest wait for a slot (default 5 s). */
  maxWaitMs?: number;
  /** What the 503 message says is busy (default "image searches"). */
  what?: string;
}

export interface WorkGate {
  run<T>(job: () => Promise<T>): Promise<T>;
  stats(): { running: number; waiting: number };
}

export function createWorkGate(opts: WorkGateOptions): WorkGate {
  const maxWaitMs = opts.maxWaitMs ?? 5000;
  let running = 0;
  const waiting: Array<{ go: () => void; timer: NodeJS.Timeout }> = [];
  const busy = () =>
    new ServiceUnavailableError(
      `The server is busy with other ${opts.what ?? 'image searches'}; try again in a moment.`,
      2,
    );

  function acquire(): Promise<void> {
    if (running < opts.concurrency) {
      running++;
      return Promise.resolve();
    }
    if (waiting.length >= opts.queue) return Promise.reject(busy());
    return new Promise((resolve, reject) => {
      const entry = {
        go: () => {
          clearTimeout(entry.timer);
          running++;
          resolve();
        },
        timer: setTimeout(() => {
          waiting.splice(waiting.indexOf(entry), 1);
          reject(busy());
        }, maxWaitMs),
      };
      waiting.push(entry);
    });
  }

  function release() {
    running--;
    waiting.shift()?.go();
  }

  return {
    async run(job) {
      await acquire();
      try {
        return await job();
      } finally {
        release();
      }
    },
    stats: () => ({ running, waiting: waiting.length }),
  };
}
