/** Runs a background job at start and then every `everyMs`; a run never overlaps the previous one, failures are logged. */
import type { Logger } from '@waifudex/core/logger';

export function scheduleJob(
  name: string,
  run: () => Promise<unknown>,
  logger: Logger,
  everyMs: number,
  firstDelayMs = 0,
): () => void {
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      await run();
    } catch (err) {
      logger.warn({ err }, `${name} failed`);
    } finally {
      busy = false;
    }
  };
  const first = setTimeout(() => void tick(), firstDelayMs);
  first.unref();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
