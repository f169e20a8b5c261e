/**
 * What candidate queries cost, part by part (benchmarks set SearchIndex.work to collect it): CPU-side
 * milliseconds and the postings, slots and probes behind them, summed over the queries.
 */
export class QueryWork {
  readonly ms = { hash: 0, haar_plan: 0, haar_scan: 0, haar_rescore: 0, haar_probe: 0, pool_distances: 0 };
  readonly counts = {
    queries: 0,
    query_codes: 0,
    hash_lists: 0,
    hash_postings: 0,
    hash_codes_compared: 0,
    haar_signatures: 0,
    haar_stop_keys: 0,
    haar_probed_keys: 0,
    haar_scanned_keys: 0,
    haar_scanned_lists: 0,
    haar_postings_decoded: 0,
    haar_postings_scored: 0,
    haar_slots_touched: 0,
    haar_offers: 0,
    haar_rescored: 0,
    haar_probed_slots: 0,
  };
  /** Postings scored per channel (Y, I, Q) of the scanned lists. */
  readonly postingsPerChannel = [0, 0, 0];
  /** Process CPU time (ms): on a shared box, wall time is mostly waiting for a core. */
  now(): number {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
}
