/** A deadline around one Telegram call: GramJS never rejects a request while it is (re)connecting. */

export class CallTimeoutError extends Error {
  override name = 'CallTimeoutError';
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`no answer to ${what} within ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`}`);
  }
}

/** Resolves or rejects like `p`, or rejects with CallTimeoutError after `ms` (p keeps running; its late result is dropped). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CallTimeoutError(what, ms)), ms);
  });
  p.catch(() => undefined); // a late rejection must not become an unhandled one
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
