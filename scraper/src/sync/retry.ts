/** Retrying calls to a message source: FloodWait sleeps exactly the asked seconds; other failures back off. */
import { FatalSourceError, FloodWaitSignal } from '../telegram/source.js';

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  sleep: Sleep;
  /** Attempts for failures other than FloodWait (default 4). */
  maxAttempts?: number;
  /** First backoff delay; doubles each time, capped at maxDelayMs (defaults 1 s and 30 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** FloodWaits tolerated per call before giving up (default 10). */
  maxFloodWaits?: number;
  /** A single FloodWait longer than this is not slept: it is thrown (default: any length is slept). */
  maxFloodWaitSeconds?: number;
  /** Errors never worth another attempt (besides FatalSourceError). */
  isPermanent?: (err: unknown) => boolean;
  onFloodWait?: (seconds: number) => void | Promise<void>;
  onFloodWaitEnd?: () => void | Promise<void>;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Runs fn until it succeeds, a permanent/fatal error occurs, or the attempts run out (last error thrown). */
export async function withRetry<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  const maxAttempts = o.maxAttempts ?? 4;
  const base = o.baseDelayMs ?? 1000;
  const cap = o.maxDelayMs ?? 30_000;
  let attempt = 0;
  let floods = 0;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof FloodWaitSignal) {
        if (++floods > (o.maxFloodWaits ?? 10)) throw err;
        if (o.maxFloodWaitSeconds != null && err.seconds > o.maxFloodWaitSeconds) throw err;
        await o.onFloodWait?.(err.seconds);
        await o.sleep(err.seconds * 1000);
        await o.onFloodWaitEnd?.();
        continue;
      }
      if (err instanceof FatalSourceError || o.isPermanent?.(err)) throw err;
      attempt++;
      if (attempt >= maxAttempts) throw err;
      const delay = Math.min(cap, base * 2 ** (attempt - 1));
      o.onRetry?.(err, attempt, delay);
      await o.sleep(delay);
    }
  }
}
