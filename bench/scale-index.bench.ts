/**
 * The search index at N synthetic artworks (issue 14): memory per 1M, and the candidate stage (hashes +
 * wavelet) per query, with multi-index hashing against a flat scan in the same run.
 */
import { candidatePool } from '@waifudex/core/images/candidate-pool';
import { rng } from '@waifudex/core/images/query-variants';
import { SearchIndex } from '@waifudex/core/images/search-index';
import type { PreparedQuery } from '@waifudex/core/images/search-engine';
import type { ImageFeatures } from '@waifudex/core/images/signatures';
import { repostOf, syntheticSignature, type SignaturePool } from './synthetic-signatures.js';

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN;
}
export const r3 = (x: number) => Math.round(x * 1000) / 1000;
const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

function heapNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Builds an index of n synthetic artworks and measures memory and the candidate stage. */
export async function benchScaleIndex(n: number, pool: SignaturePool, queries = 200): Promise<Record<string, unknown>> {
  const r = rng(n + 14);
  (globalThis as { gc?: () => void }).gc?.();
  const heapBefore = heapNow();
  const index = new SearchIndex(n);
  index.beginBulk(); // as the service's build from the database
  const sample: ImageFeatures[] = [];
  const every = Math.max(1, Math.floor(n / queries));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const f = syntheticSignature(r, pool);
    if (i % every === 0 && sample.length < queries) sample.push(f);
    index.upsert(String(i + 1), String(i + 1), f);
  }
  index.compact();
  const buildMs = performance.now() - t0;
  (globalThis as { gc?: () => void }).gc?.();
  const heapAfter = heapNow();
  const mem = index.memoryBytes();
  const per1M = (bytes: number) => mb((bytes / n) * 1_000_000);

  // queries: a re-post of an indexed entry (plain) and an unrelated mirror-like second variant
  const mih: number[] = [];
  const flat: number[] = [];
  const haar: number[] = [];
  const stage: number[] = [];
  let found = 0;
  for (const [i, f] of sample.entries()) {
    const a = repostOf(f, r);
    const b = repostOf(sample[(i + 1) % sample.length]!, r);
    const codes = [a.phash, b.phash];
    let t = performance.now();
    index.nearestCodes(codes, 24);
    mih.push(performance.now() - t);
    if (i < 40) {
      t = performance.now();
      index.nearestFlat(codes, 24);
      flat.push(performance.now() - t);
    }
    t = performance.now();
    index.nearestHaar({ dc: a.haar.dc, coefs: Int16Array.from(a.haar.coefs) }, 24);
    haar.push(performance.now() - t);
    const q = { variants: [a, b].map((v) => ({ ...v, haar: { dc: v.haar.dc, coefs: Int16Array.from(v.haar.coefs) } })) } as unknown as PreparedQuery;
    t = performance.now();
    const cands = candidatePool(index, q, 24, 64);
    stage.push(performance.now() - t);
    if (cands.some((c) => index.artworkId(c.slot) === String(i * every + 1))) found++;
  }
  return {
    index_entries: n,
    index_build_s: r3(buildMs / 1000),
    index_memory_per_1M_MB: { value: per1M(mem.total), target: '≤ 300' },
    index_memory_parts_per_1M_MB: Object.fromEntries(Object.entries(mem.parts).map(([k, v]) => [k, per1M(v)])),
    index_heap_growth_per_1M_MB: per1M(heapAfter - heapBefore),
    hash_stage_ms: { mih_p50: r3(pct(mih, 0.5)), mih_p99: r3(pct(mih, 0.99)), flat_p50: r3(pct(flat, 0.5)) },
    ratio_flat_over_mih: r3(pct(flat, 0.5) / pct(mih, 0.5)),
    haar_stage_one_variant_ms: { p50: r3(pct(haar, 0.5)), p99: r3(pct(haar, 0.99)) },
    candidate_stage_2_variants_ms: { p50: r3(pct(stage, 0.5)), p99: r3(pct(stage, 0.99)), target: '≤ 5 p50, ≤ 15 p99 at 1M' },
    candidate_recall: `${found}/${sample.length} re-posts have their original among the candidates`,
    signatures: pool.source,
  };
}
