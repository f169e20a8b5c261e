/**
 * `npm run bench -- candidate` (issue 14): the candidate stage (hashes + Haar wavelet, every query
 * variant) on an in-memory index of synthetic signatures (bench/synthetic-signatures.ts) with real
 * gallery artworks spread among them, queried with the variants prepareQuery() makes of re-posts of those
 * artworks (query-variants.ts). Per size (200k and `--n`, default 1M), with their targets:
 * - CPU per query, p50/p99, of the whole stage and of its hash and wavelet parts;
 * - the per-part breakdown (SearchIndex.work) and the postings, slots and probes behind it;
 * - how often the re-posted artwork is in the pool;
 * - the hash stage against a flat scan of the same index, in the same run.
 * CPU is the process's (µs resolution; thread-cpu.ts's scheduler counters move in ticks): on a shared
 * box the wall time is mostly waiting for a core.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { candidatePool } from '@waifudex/core/images/candidate-pool';
import { computeFeatures } from '@waifudex/core/images/compute-features';
import { decodeImage } from '@waifudex/core/images/analyze-image';
import { prepareQuery, type PreparedQuery } from '@waifudex/core/images/prepare-query';
import { makeVariant, rng, VARIANTS } from '@waifudex/core/images/query-variants';
import { QueryWork } from '@waifudex/core/images/query-work';
import { SearchIndex } from '@waifudex/core/images/search-index';
import type { ImageFeatures } from '@waifudex/core/images/feature-types';
import { GALLERY, loadSignaturePool, syntheticSignature } from './synthetic-signatures.js';
import { pct, r3 } from './percentiles.js';

/** Real artworks indexed among the synthetic ones; one re-post of each is queried (the edits in turn). */
const REAL = 120;
const PER_SOURCE = 24;
const SCREEN_TOP = 64;

interface RealQuery {
  artwork: number;
  prepared: PreparedQuery;
}

async function realQueries(files: string[]): Promise<{ features: ImageFeatures[]; queries: RealQuery[] }> {
  const features: ImageFeatures[] = [];
  const queries: RealQuery[] = [];
  for (let i = 0; i < files.length; i++) {
    const src = readFileSync(path.join(GALLERY, files[i]!));
    features.push(computeFeatures((await decodeImage(src)).rgb));
    const bytes = await makeVariant(src, VARIANTS[i % VARIANTS.length]!, i * 31 + 1);
    queries.push({ artwork: i, prepared: prepareQuery((await decodeImage(bytes)).rgb) });
  }
  return { features, queries };
}

const cpuNow = () => new QueryWork().now();
const f = (xs: number[]) => ({ p50: r3(pct(xs, 0.5)), p99: r3(pct(xs, 0.99)) });

/** Per query: CPU of the whole stage and of its parts alone, and whether the re-posted artwork is in the pool. */
function measure(index: SearchIndex, queries: RealQuery[], slotOf: (artwork: number) => number, rounds: number) {
  const total: number[] = [];
  const hash: number[] = [];
  const wavelet: number[] = [];
  let inPool = 0;
  let runs = 0;
  for (let round = -1; round < rounds; round++) {
    for (const q of queries) {
      const vs = q.prepared.variants;
      let t = cpuNow();
      index.nearestCodes(
        vs.map((v) => v.phash),
        PER_SOURCE,
      );
      const h = cpuNow() - t;
      t = cpuNow();
      index.nearestHaarMany(
        vs.map((v) => v.haar),
        PER_SOURCE,
      );
      const w = cpuNow() - t;
      t = cpuNow();
      const pool = candidatePool(index, q.prepared, PER_SOURCE, SCREEN_TOP);
      const all = cpuNow() - t;
      if (round < 0) continue; // JIT warm-up
      runs++;
      total.push(all);
      hash.push(h);
      wavelet.push(w);
      if (pool.some((c) => c.slot === slotOf(q.artwork))) inPool++;
    }
  }
  return { total: f(total), hash: f(hash), wavelet: f(wavelet), inPool: `${inPool}/${runs}` };
}

/** The per-part breakdown, averaged per query (a second round: the first compiles the counted paths). */
function parts(index: SearchIndex, queries: RealQuery[]) {
  for (let round = 0; round < 2; round++) {
    index.work = new QueryWork();
    for (const q of queries) candidatePool(index, q.prepared, PER_SOURCE, SCREEN_TOP);
  }
  const w = index.work!;
  index.work = null;
  const n = queries.length;
  return {
    ms: Object.fromEntries(Object.entries(w.ms).map(([k, v]) => [k, r3(v / n)])),
    work: {
      ...Object.fromEntries(Object.entries(w.counts).map(([k, v]) => [k, Math.round(v / n)])),
      haar_postings_scored_y_i_q: w.postingsPerChannel.map((v) => Math.round(v / n)),
    },
  };
}

/** The hash stage by multi-index hashing and by a flat scan of every slot, same queries. */
function hashVsFlat(index: SearchIndex, queries: RealQuery[]) {
  const some = queries.slice(0, 12);
  const mih: number[] = [];
  const flat: number[] = [];
  for (const q of some) {
    const codes = q.prepared.variants.map((v) => v.phash);
    let t = cpuNow();
    index.nearestCodes(codes, PER_SOURCE);
    mih.push(cpuNow() - t);
    t = cpuNow();
    index.nearestCodes(codes, PER_SOURCE, 7, true);
    flat.push(cpuNow() - t);
  }
  const m = pct(mih, 0.5);
  const fl = pct(flat, 0.5);
  return { mih_p50: r3(m), flat_p50: r3(fl), ratio: Math.round(fl / m) };
}

export async function runCandidateStageBench(maxN = 1_000_000): Promise<Record<string, unknown>> {
  if (!existsSync(GALLERY)) return { skipped: 'no gallery pictures' };
  const files = readdirSync(GALLERY)
    .filter((x) => x.endsWith('.jpg'))
    .sort();
  const picked = Array.from(
    { length: Math.min(REAL, files.length) },
    (_, i) => files[Math.floor((i * files.length) / REAL)]!,
  );
  const { features: real, queries } = await realQueries(picked);
  const pool = await loadSignaturePool(160);
  const variants = queries.reduce((a, q) => a + q.prepared.variants.length, 0) / queries.length;
  const out: Record<string, unknown> = { queries: queries.length, variants_per_query: r3(variants) };
  for (const n of [...new Set([Math.min(200_000, maxN), maxN])]) {
    const index = new SearchIndex();
    index.beginBulk();
    // the real artworks spread evenly through the slots; the synthetic ones as the scale bench makes them
    const every = Math.floor(n / real.length);
    const slots: number[] = [];
    for (let i = 0; i < n; i++) {
      // numeric ids for all, as the database's: one string id switches the id columns to strings
      if (i % every === every - 1 && slots.length < real.length)
        slots.push(index.upsert(String(i + 1), String(i + 1), real[slots.length]!));
      else index.upsert(String(i + 1), String(i + 1), syntheticSignature(rng(i * 7919 + 1), pool));
    }
    index.compact();
    const at = `at_${n / 1000}k`;
    const m = measure(index, queries, (a) => slots[a]!, n >= 1_000_000 ? 2 : 3);
    out[`${at}_cpu_ms`] = { ...m.total, target: n >= 1_000_000 ? '≤ 5 p50, ≤ 15 p99' : '(target at 1M)' };
    out[`${at}_parts_cpu_ms`] = { hash: m.hash, wavelet: m.wavelet };
    const p = parts(index, queries);
    out[`${at}_breakdown_cpu_ms_per_query`] = p.ms;
    out[`${at}_work_per_query`] = p.work;
    out[`${at}_reposted_artwork_in_pool`] = m.inPool;
    out[`${at}_hash_vs_flat_scan`] = hashVsFlat(index, queries);
    out[`${at}_index_MB_per_1M`] = Math.round((index.memoryBytes().total / n) * 10) / 10;
  }
  return out;
}
