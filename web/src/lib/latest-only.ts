/**
 * The race guard of the composables: when requests overlap (typing, paging, switching), only the latest
 * one's answer may land, so a slow older answer never overwrites a newer one.
 */
export function latestOnly() {
  let seq = 0;
  const check = (mine: number) => () => mine === seq;
  return {
    /** Starts a request that supersedes those in flight; the returned check says whether it still counts. */
    begin: () => check(++seq),
    /** Joins the current request (e.g. a "load more" that must yield to a new search). */
    join: () => check(seq),
    /** Makes every request in flight stale (unmount, reset). */
    cancel: () => void seq++,
  };
}
