/**
 * The index's 64-bit codes and their nearest-code search. Per slot: its pHash and the crop hashes (the
 * pHash domain, compared with a query's pHashes) and its dHash. Small indexes are scanned flat; large
 * ones add multi-index hashing: 4 tables of the 16-bit substrings of the 8 pHash-domain codes, exact up
 * to Hamming radius 7 (pigeonhole with one flipped bit per table).
 */
import { PostingLists } from './posting-lists.js';
import { popcount32 } from './perceptual-hash.js';
import type { Code64 } from './feature-types.js';
import type { QueryWork } from './query-work.js';
import { nearestFirst, TopK, type CodeHit } from './ranked-picks.js';

/** 64-bit codes per slot: phash, dhash, 3 centre crops, 4 corner crops. */
export const CODES = 9;
/** The pHash-domain codes (phash and the crops) per slot: their 8 high words, then their 8 low words. */
const PD = 8;
const PD_WORDS = 2 * PD;

export class CodeIndex {
  // pHash-domain codes, slot * PD_WORDS: a multi-index probe reads one table's 16-bit substring of all 8
  // codes from one 32-byte run (a Uint16 view), and the full distance only of those that equal its key
  private pcodes = new Uint32Array(0);
  private pcodes16 = new Uint16Array(0);
  private dcodes = new Uint32Array(0); // dHash, slot * 2
  private tables: PostingLists[] | null = null; // 16-bit substring t -> slots having it in any pHash-domain code
  private readonly keyScratch: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  private buf = new Uint32Array(1024);
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
    this.pcodes16 = new Uint16Array(pcodes.buffer);
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

  /** Builds the tables from the live slots of 0..slots (`size` of them), in bulk: one packed arena per table. */
  buildTables(slots: number, size: number, alive: Uint8Array, bulk: boolean): void {
    if (this.tables) return;
    const keys = new Array<number>(PD);
    this.tables = [0, 1, 2, 3].map((t) => {
      const lists = new Uint32Array(size * PD);
      const values = new Uint32Array(lists.length);
      let n = 0;
      for (let s = 0; s < slots; s++) {
        if (!alive[s]) continue;
        const m = this.tableKeys(s, t, keys);
        for (let i = 0; i < m; i++) ((lists[n] = keys[i]!), (values[n++] = s));
      }
      const table = PostingLists.fromPairs(65536, lists, values, n);
      table.bulk = bulk;
      return table;
    });
  }

  dropTables(): void {
    this.tables = null;
  }

  /** The distinct 16-bit substrings `t` of a slot's pHash-domain codes, into `keys`; returns their count. */
  private tableKeys(slot: number, t: number, keys: number[]): number {
    let n = 0;
    for (let j = 0; j < PD; j++) {
      const word = this.pcodes[slot * PD_WORDS + (t >> 1) * PD + j]!;
      const key = t & 1 ? word & 0xffff : word >>> 16;
      // several codes of one picture often share a substring: one posting per slot and key
      let dup = false;
      for (let i = 0; i < n; i++) if (keys[i] === key) dup = true;
      if (!dup) keys[n++] = key;
    }
    return n;
  }

  addToTables(slot: number): void {
    const keys = this.keyScratch;
    for (let t = 0; t < 4; t++) {
      const n = this.tableKeys(slot, t, keys);
      for (let i = 0; i < n; i++) this.tables![t]!.append(keys[i]!, slot);
    }
  }

  setBulk(on: boolean): void {
    for (const t of this.tables ?? []) t.bulk = on;
  }

  freeze(keep?: (slot: number) => boolean): void {
    for (const t of this.tables ?? []) t.freeze(keep);
  }

  /** Folds the tails of the tables that `due` says have grown enough. */
  freezeDue(due: (l: PostingLists) => boolean): void {
    for (const t of this.tables ?? []) if (due(t)) t.freeze();
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
   * Each distinct (table, key) list of the queries' probes is read once: a slot is in list (t, key)
   * because one of its codes has substring t equal to key, and only those codes get their full distance
   * to the queries probing that list. That is exact: a code within the radius of a query has, by the
   * pigeonhole, a substring t within one bit of the query's, so it is one of those codes in the list
   * whose key is that substring.
   */
  nearestMih(queries: Code64[], k: number, radius: number, alive: Uint8Array, work: QueryWork | null): CodeHit[] {
    const qs = queries.filter((q, i) => queries.findIndex((o) => o.hi === q.hi && o.lo === q.lo) === i);
    // the queries probing a list are one bitmask: more than 31 distinct codes go in groups
    if (qs.length > 31) {
      const merged = new Map<number, number>();
      for (let i = 0; i < qs.length; i += 31)
        for (const h of this.nearestMih(qs.slice(i, i + 31), Infinity, radius, alive, work))
          if (!(merged.get(h.slot)! <= h.distance)) merged.set(h.slot, h.distance);
      return nearestFirst(merged, k);
    }
    // only slots within the radius are kept (a probed list is mostly farther slots)
    const best = new Map<number, number>();
    const codes = this.pcodes;
    const sub = this.pcodes16;
    const qh = Uint32Array.from(qs, (q) => q.hi);
    const ql = Uint32Array.from(qs, (q) => q.lo);
    let compared = 0;
    let touched = 0;
    const probes = new Map<number, number>();
    for (let t = 0; t < 4; t++) {
      const table = this.tables![t]!;
      // key -> the queries probing it, one bit each
      probes.clear();
      for (let qi = 0; qi < qs.length; qi++) {
        const q = qs[qi]!;
        const key = t === 0 ? q.hi >>> 16 : t === 1 ? q.hi & 0xffff : t === 2 ? q.lo >>> 16 : q.lo & 0xffff;
        for (let flip = -1; flip < 16; flip++) {
          const kf = flip < 0 ? key : key ^ (1 << flip);
          probes.set(kf, (probes.get(kf) ?? 0) | (1 << qi));
        }
      }
      // the substring's Uint16 within a slot's run: high words first, little-endian halves
      const at = (t >> 1) * PD * 2 + (t & 1 ? 0 : 1);
      for (const [key, mask] of probes) {
        const count = table.count(key);
        if (count === 0) continue;
        if (this.buf.length < count) this.buf = new Uint32Array(count * 2);
        const buf = this.buf;
        const n = table.decodeAll(key, buf);
        if (work) ((work.counts.hash_lists += 1), (work.counts.hash_postings += n));
        // every slot's run first, with no branch on what it reads: the cache misses of the whole list
        // overlap, where the comparisons below (a branch on each loaded substring) would take them one
        // at a time
        for (let i = 0; i < n; i++) touched ^= sub[buf[i]! * PD_WORDS * 2 + at]!;
        for (let i = 0; i < n; i++) {
          const slot = buf[i]!;
          const o = slot * PD_WORDS;
          const s16 = o * 2 + at;
          // which codes have the key (one bit each), without a branch per code
          let m = 0;
          for (let j = 0; j < PD; j++) m |= (((sub[s16 + j * 2]! ^ key) - 1) >>> 31) << j;
          for (; m !== 0; m &= m - 1) {
            const j = 31 - Math.clz32(m & -m);
            const hi = codes[o + j]!;
            const lo = codes[o + PD + j]!;
            for (let qm = mask; qm !== 0; qm &= qm - 1) {
              const qi = 31 - Math.clz32(qm & -qm);
              compared++;
              const d = popcount32(hi ^ qh[qi]!) + popcount32(lo ^ ql[qi]!);
              if (d > radius || !alive[slot]) continue;
              const prev = best.get(slot);
              if (prev === undefined || d < prev) best.set(slot, d);
            }
          }
        }
      }
    }
    this.touchSink = touched;
    if (work) work.counts.hash_codes_compared += compared;
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
    return (this.tables ?? []).reduce((a, t) => a + t.bytes(), 0);
  }
}
