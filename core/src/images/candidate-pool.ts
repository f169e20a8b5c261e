/**
 * Candidate gathering: nearest stored codes (pHash domain) and Haar signatures for every query variant,
 * each candidate's best global distances over the variants, and the pre-rank that caps the pool.
 */
import type { PreparedQuery } from './prepare-query.js';
import type { SearchIndex } from './search-index.js';

/** A pooled candidate: best pHash-domain, dHash and Haar distances over the query variants. */
export interface PooledCandidate {
  slot: number;
  pd: number;
  dd: number;
  hd: number;
  /** Haar distance per query variant (the verifier picks its variants by them). */
  hdv: Float64Array;
  order: number;
  pre: number;
}

/** The `screenTop` candidates with the lowest blend of the three global distances, best first. */
export function candidatePool(index: SearchIndex, q: PreparedQuery, perSource: number, screenTop: number): PooledCandidate[] {
  const cand = new Map<number, number>(); // slot -> order of discovery
  // pHash-domain codes of all variants at once
  for (const h of index.nearestCodes(
    q.variants.map((v) => v.phash),
    perSource,
  ))
    if (!cand.has(h.slot)) cand.set(h.slot, cand.size);
  // the Haar signatures of all variants in one pass; their scores serve the distances below
  for (const hits of index.nearestHaarMany(
    q.variants.map((v) => v.haar),
    perSource,
  ))
    for (const h of hits) if (!cand.has(h.slot)) cand.set(h.slot, cand.size);
  // timed for benchmarks, without the probes of prepareDistances (counted with the Haar probes)
  const t = index.work ? index.work.now() : 0;
  const probed = index.work?.ms.haar_probe ?? 0;
  index.prepareDistances(cand.keys());
  const out: PooledCandidate[] = [];
  for (const [slot, order] of cand) {
    let pd = 65;
    let dd = 65;
    let hd = 9;
    const hdv = new Float64Array(q.variants.length);
    q.variants.forEach((v, i) => {
      pd = Math.min(pd, index.phashDomainDistance(slot, v.phash));
      dd = Math.min(dd, index.dhashDistance(slot, v.dhash));
      hdv[i] = index.batchHaarDistance(slot, i);
      hd = Math.min(hd, hdv[i]!);
    });
    // pre-rank: a blend of the three global distances
    out.push({ slot, pd, dd, hd, hdv, order, pre: pd / 32 + dd / 32 + hd * 1.5 });
  }
  const pool = out.sort((a, b) => a.pre - b.pre).slice(0, screenTop);
  if (index.work) index.work.ms.pool_distances += index.work.now() - t - (index.work.ms.haar_probe - probed);
  return pool;
}
