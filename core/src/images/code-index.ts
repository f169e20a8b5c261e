/**
 * The index's 64-bit codes and their nearest-code search. Per slot: its pHash and the crop hashes (the
 * pHash domain, compared with a query's pHashes) and its dHash. Small indexes are scanned flat; large
 * ones add multi-index hashing over wide substrings of the 8 pHash-domain codes (substring-tables.ts),
 * exact up to Hamming radius 7.
 */
import { popcount32 } from './perceptual-hash.js';
import { Collected, substring, SubstringTables } from './substring-tables.js';
import type { Code64 } from './feature-types.js';
import type { QueryWork } from './query-work.js';
import { nearestFirst, TopK, type CodeHit } from './ranked-picks.js';

/** 64-bit codes per slot: phash, dhash, 3 centre crops, 4 corner crops. */
export const CODES = 9;
/** The pHash-domain codes (phash and the crops) per slot: their 8 high words, then their 8 low words. */
const PD = 8;
const PD_WORDS = 2 * PD;
/** Found slots whose code runs are read ahead at a time: few enough pages for the TLB to keep. */
const TOUCH_BATCH = 128;

export class CodeIndex {
  // pHash-domain codes, slot * PD_WORDS: a found slot's 8 codes are one 64-byte run
  private pcodes = new Uint32Array(0);
  private dcodes = new Uint32Array(0); // dHash, slot * 2
  private tables: SubstringTables | null = null;
  private readonly collected = new Collected();
  // what the touch pass reads, kept so that the reads are not optimised away
  private touchSink = 0;

  get hasTables(): boolean {
    return this.tables !== null;
  }

  /** Reallocates the per-slot arrays for `cap` slots. */
  resize(cap: number): void {
    const pcodes = new Uint32Array(cap * PD_WORDS);
    pcodes.set(this.pcodes.subarray(0, pcodes.length));
    const dcodes = new Uint32Array(cap * 2);
    dcodes.set(this.dcodes.subarray(0, dcodes.length));
    this.pcodes = pcodes;
    this.dcodes = dcodes;
  }

  /** A slot's codes from the flat layout of RawSignature (code k at k * 2: phash, dhash, crops). */
  set(slot: number, codes: Uint32Array): void {
    const o = slot * PD_WORDS;
    for (let j = 0; j < PD; j++) {
      const k = j === 0 ? 0 : j + 1;
      this.pcodes[o + j] = codes[k * 2]!;
      this.pcodes[o + PD + j] = codes[k * 2 + 1]!;
    }
    this.dcodes[slot * 2] = codes[2]!;
    this.dcodes[slot * 2 + 1] = codes[3]!;
  }

  /** Starts multi-index hashing over the live slots of 0..slots; in bulk mode, the first read builds it. */
  buildTables(slots: number, alive: Uint8Array, bulk: boolean): void {
    if (this.tables) return;
    this.tables = new SubstringTables();
    if (bulk) this.tables.stale = true;
    else this.tables.build(this.pcodes, slots, alive);
  }

  dropTables(): void {
    this.tables = null;
  }

  /** Adds slot `slots - 1` to the tables (a fold when their tails have grown). */
  addToTables(slots: number, alive: Uint8Array): void {
    if (this.tables!.add(this.pcodes, slots - 1)) this.tables!.fold(slots, alive);
  }

  /** In bulk mode the tables wait for the end of the load (one build instead of growing tails). */
  setBulk(on: boolean): void {
    if (on && this.tables) this.tables.stale = true;
  }

  /** Builds the tables if stale, or folds their tails in, dropping dead slots. */
  freeze(slots: number, alive: Uint8Array, dropDead: boolean): void {
    if (this.tables?.stale) this.tables.build(this.pcodes, slots, alive);
    else if (this.tables && dropDead) this.tables.fold(slots, alive);
  }

  /** The flat scan of slots 0..n. */
  nearestFlat(queries: Code64[], k: number, maxDistance: number, n: number, alive: Uint8Array): CodeHit[] {
    const codes = this.pcodes;
    const top = new TopK(k);
    const qn = queries.length;
    const qh = new Uint32Array(qn);
    const ql = new Uint32Array(qn);
    queries.forEach((q, i) => ((qh[i] = q.hi), (ql[i] = q.lo)));
    for (let s = 0; s < n; s++) {
      if (!alive[s]) continue;
      let best = 65;
      const base = s * PD_WORDS;
      for (let qi = 0; qi < qn; qi++) {
        const h = qh[qi]!;
        const l = ql[qi]!;
        for (let j = 0; j < PD; j++) {
          const d = popcount32(codes[base + j]! ^ h) + popcount32(codes[base + PD + j]! ^ l);
          if (d < best) best = d;
        }
      }
      if (best <= maxDistance && best < top.worst()) top.push(s, best);
    }
    return top.sorted();
  }

  /**
   * Every slot within `radius` (≤ 7) of a query code, by the tables' buckets: a code that close has a
   * substring within its table's radius of the query's, so it is in one of the buckets probed, and only
   * the codes of a found slot whose substring is that bucket's key get their full distance.
   */
  nearestMih(queries: Code64[], k: number, radius: number, slots: number, alive: Uint8Array, work: QueryWork | null): CodeHit[] {
    const tables = this.tables!;
    if (tables.stale) tables.build(this.pcodes, slots, alive);
    const qs = queries.filter((q, i) => queries.findIndex((o) => o.hi === q.hi && o.lo === q.lo) === i);
    const qh = Uint32Array.from(qs, (q) => q.hi);
    const ql = Uint32Array.from(qs, (q) => q.lo);
    const c = this.collected;
    c.clear();
    const n = tables.collect(qh, ql, c);
    const found = c.slots.a;
    const tags = c.tags.a;
    const keys = c.keys.a;
    const codes = this.pcodes;
    // only slots within the radius are kept (a bucket holds mostly farther slots)
    const best = new Map<number, number>();
    let compared = 0;
    let touched = c.sink;
    for (let i0 = 0; i0 < n; i0 += TOUCH_BATCH) {
      const i1 = Math.min(n, i0 + TOUCH_BATCH);
      // the batch's code runs first (both ends: a run may straddle two cache lines), with no branch on
      // what it reads: the cache misses overlap, where the comparisons below (a branch on each substring)
      // would take them one at a time. In batches, so that their pages' translations are still cached
      for (let i = i0; i < i1; i++) {
        const o = found[i]! * PD_WORDS;
        touched ^= codes[o]! ^ codes[o + PD_WORDS - 1]!;
      }
      for (let i = i0; i < i1; i++) {
        const slot = found[i]!;
        const t = tags[i]! & 3;
        const qi = tags[i]! >>> 2;
        const key = keys[i]!;
        const o = slot * PD_WORDS;
        // which codes have the bucket's key as substring t (one bit each), without a branch per code
        let m = 0;
        if (t === 0) for (let j = 0; j < PD; j++) m |= ((((codes[o + j]! >>> 11) ^ key) - 1) >>> 31) << j;
        else if (t === 2) for (let j = 0; j < PD; j++) m |= ((((codes[o + PD + j]! & 0x3fffff) ^ key) - 1) >>> 31) << j;
        else for (let j = 0; j < PD; j++) m |= (((substring(1, codes[o + j]!, codes[o + PD + j]!) ^ key) - 1) >>> 31) << j;
        for (; m !== 0; m &= m - 1) {
          const j = 31 - Math.clz32(m & -m);
          compared++;
          const d = popcount32(codes[o + j]! ^ qh[qi]!) + popcount32(codes[o + PD + j]! ^ ql[qi]!);
          if (d > radius || !alive[slot]) continue;
          const prev = best.get(slot);
          if (prev === undefined || d < prev) best.set(slot, d);
        }
      }
    }
    this.touchSink = touched;
    if (work) ((work.counts.hash_lists += c.probed), (work.counts.hash_postings += n), (work.counts.hash_codes_compared += compared));
    return nearestFirst(best, k);
  }

  dhashDistance(slot: number, q: Code64): number {
    const o = slot * 2;
    return popcount32(this.dcodes[o]! ^ q.hi) + popcount32(this.dcodes[o + 1]! ^ q.lo);
  }

  phashDomainDistance(slot: number, q: Code64): number {
    let best = 64;
    const o = slot * PD_WORDS;
    for (let j = 0; j < PD; j++) {
      const d = popcount32(this.pcodes[o + j]! ^ q.hi) + popcount32(this.pcodes[o + PD + j]! ^ q.lo);
      if (d < best) best = d;
    }
    return best;
  }

  codeBytes(): number {
    return this.pcodes.byteLength + this.dcodes.byteLength;
  }

  tableBytes(): number {
    return this.tables?.bytes() ?? 0;
  }
}
