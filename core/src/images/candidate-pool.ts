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
  order: number;
  pre: number;
}

/** The `screenTop` candidates with the lowest blend of the three global distances, best first. */
export function candidatePool(index: SearchIndex, q: PreparedQuery, perSource: number, screenTop: number): PooledCandidate[] {
  const cand = new Map<number, { pd: number; dd: number; hd: number; order: number }>();
  let order = 0;
  const note = (slot: number) => {
    let c = cand.get(slot);
    if (!c) cand.set(slot, (c = { pd: 65, dd: 65, hd: 9, order: order++ }));
    return c;
  };
  // pHash-domain codes of all variants at once
  for (const h of index.nearestCodes(
    q.variants.map((v) => v.phash),
    perSource,
  ))
    note(h.slot);
  for (const v of q.variants) for (const h of index.nearestHaar(v.haar, perSource)) note(h.slot);
  for (const [slot, c] of cand) {
    for (const v of q.variants) {
      c.pd = Math.min(c.pd, index.phashDomainDistance(slot, v.phash));
      c.dd = Math.min(c.dd, index.dhashDistance(slot, v.dhash));
      c.hd = Math.min(c.hd, index.haarDistanceTo(slot, v.haar));
    }
  }
  // pre-rank: a blend of the three global distances
  return [...cand.entries()]
    .map(([slot, c]) => ({ slot, ...c, pre: c.pd / 32 + c.dd / 32 + c.hd * 1.5 }))
    .sort((a, b) => a.pre - b.pre)
    .slice(0, screenTop);
}
