/**
 * In-memory reverse-image-search index (typed arrays), independent of the database.
 *
 * - 64-bit codes: per artwork its pHash, dHash and 3 centre-crop pHashes. Small indexes use a flat
 *   popcount scan; large ones add multi-index hashing (4 tables × 16-bit substrings) over the 8
 *   pHash-domain codes, exact up to Hamming radius 7 (pigeonhole with one flipped bit per table).
 * - iqdb-style Haar signatures: DC averages + an inverted index of (channel, sign, position) buckets;
 *   very frequent buckets are skipped for large indexes (the study's "stop-word" pruning).
 * - Slots are reused after removal; the grey verification images are looked up through a loader so
 *   callers decide whether they live in memory or in the database.
 */
import { FEATURES_VERSION, HAAR_COEFS, type Code64, type ImageFeatures } from './feature-types.js';
import { HAAR_BIN, HAAR_WEIGHTS, haarKey } from './haar-signature.js';
import { popcount32 } from './perceptual-hash.js';

/** 64-bit codes per slot: phash, dhash, 3 centre crops, 4 corner crops. */
const CODES = 9;
const PHASH_DOMAIN = [0, 2, 3, 4, 5, 6, 7, 8] as const;
const BUCKETS = 3 * 32768;
const MIH_MIN_SIZE = 50_000;

class GrowU32 {
  data: Uint32Array;
  length = 0;
  constructor(cap = 4) {
    this.data = new Uint32Array(cap);
  }
  push(v: number) {
    if (this.length === this.data.length) {
      const n = new Uint32Array(this.data.length * 2);
      n.set(this.data);
      this.data = n;
    }
    this.data[this.length++] = v;
  }
  remove(v: number) {
    for (let i = 0; i < this.length; i++) {
      if (this.data[i] === v) {
        this.data[i] = this.data[--this.length]!;
        return;
      }
    }
  }
}

export interface CodeHit {
  slot: number;
  distance: number;
}

/** Scratch marks for haarDistanceTo (one per channel × sign × position; always left all zero). */
const HAAR_MARK = new Uint8Array(3 * 32768);

export class SearchIndex {
  private cap = 0;
  private size = 0;
  private free: number[] = [];
  private codes = new Uint32Array(0); // slot * CODES * 2
  private alive = new Uint8Array(0);
  private haarDc = new Float32Array(0); // slot * 3
  private haarCoefs = new Int16Array(0); // slot * 120
  private postings: (GrowU32 | undefined)[] = new Array(BUCKETS);
  private mih: Map<number, GrowU32>[] | null = null; // 4 tables: 16-bit key -> packed (slot*4+codeIdx)
  readonly artworkIds: string[] = [];
  readonly characterIds: string[] = [];
  private bySlotKey = new Map<string, number>();

  constructor(initialCapacity = 1024) {
    this.grow(initialCapacity);
  }

  get count(): number {
    return this.size;
  }

  private grow(n: number) {
    const cap = Math.max(n, this.cap * 2, 16);
    const codes = new Uint32Array(cap * CODES * 2);
    codes.set(this.codes);
    const alive = new Uint8Array(cap);
    alive.set(this.alive);
    const dc = new Float32Array(cap * 3);
    dc.set(this.haarDc);
    const coefs = new Int16Array(cap * 3 * HAAR_COEFS);
    coefs.set(this.haarCoefs);
    this.codes = codes;
    this.alive = alive;
    this.haarDc = dc;
    this.haarCoefs = coefs;
    this.cap = cap;
  }

  /** Adds or replaces an artwork's signatures. */
  upsert(artworkId: string, characterId: string, f: ImageFeatures): number {
    if (f.version !== FEATURES_VERSION) throw new Error(`features version ${f.version} is not ${FEATURES_VERSION}`);
    this.remove(artworkId);
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.artworkIds.length;
      if (slot >= this.cap) this.grow(slot + 1);
      this.artworkIds.push(artworkId);
      this.characterIds.push(characterId);
    } else {
      this.artworkIds[slot] = artworkId;
      this.characterIds[slot] = characterId;
    }
    const all: Code64[] = [f.phash, f.dhash, ...f.cropHashes];
    for (let k = 0; k < CODES; k++) {
      const c = all[k] ?? f.phash;
      this.codes[(slot * CODES + k) * 2] = c.hi;
      this.codes[(slot * CODES + k) * 2 + 1] = c.lo;
    }
    this.haarDc.set(f.haarDc, slot * 3);
    this.haarCoefs.set(f.haarCoefs, slot * 3 * HAAR_COEFS);
    for (let c = 0; c < 3; c++) {
      for (let k = 0; k < HAAR_COEFS; k++) {
        const key = haarKey(c, f.haarCoefs[c * HAAR_COEFS + k]!);
        let p = this.postings[key];
        if (!p) this.postings[key] = p = new GrowU32();
        p.push(slot);
      }
    }
    this.alive[slot] = 1;
    this.bySlotKey.set(artworkId, slot);
    this.size++;
    if (this.mih) this.mihAdd(slot);
    else if (this.size >= MIH_MIN_SIZE) this.buildMih();
    return slot;
  }

  remove(artworkId: string): boolean {
    const slot = this.bySlotKey.get(artworkId);
    if (slot === undefined) return false;
    if (this.mih) this.mihRemove(slot);
    for (let c = 0; c < 3; c++) {
      for (let k = 0; k < HAAR_COEFS; k++) this.postings[haarKey(c, this.haarCoefs[slot * 3 * HAAR_COEFS + c * HAAR_COEFS + k]!)]?.remove(slot);
    }
    this.alive[slot] = 0;
    this.bySlotKey.delete(artworkId);
    this.free.push(slot);
    this.size--;
    return true;
  }

  // --- multi-index hashing over the pHash-domain codes ------------------------------------------

  private mihKeys(slot: number, k: number): number[] {
    const hi = this.codes[(slot * CODES + k) * 2]!;
    const lo = this.codes[(slot * CODES + k) * 2 + 1]!;
    return [hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff];
  }

  private buildMih() {
    this.mih = [new Map(), new Map(), new Map(), new Map()];
    for (let s = 0; s < this.artworkIds.length; s++) if (this.alive[s]) this.mihAdd(s);
  }

  private mihAdd(slot: number) {
    for (const k of PHASH_DOMAIN) {
      const keys = this.mihKeys(slot, k);
      for (let t = 0; t < 4; t++) {
        const m = this.mih![t]!;
        let g = m.get(keys[t]!);
        if (!g) m.set(keys[t]!, (g = new GrowU32(2)));
        g.push(slot * 16 + k);
      }
    }
  }

  private mihRemove(slot: number) {
    for (const k of PHASH_DOMAIN) {
      const keys = this.mihKeys(slot, k);
      for (let t = 0; t < 4; t++) this.mih![t]!.get(keys[t]!)?.remove(slot * 16 + k);
    }
  }

  /** Forces multi-index hashing on/off (benchmarks). */
  useMih(on: boolean) {
    if (on && !this.mih) this.buildMih();
    if (!on) this.mih = null;
  }

  /**
   * Per-slot minimum pHash-domain distance to any of the query codes, best `k`; exact up to
   * `maxDistance` (MIH, when enabled) or over everything (flat scan).
   */
  nearestCodes(queries: Code64[], k: number, maxDistance = 64, forceFlat = false): CodeHit[] {
    if (this.mih && !forceFlat) return this.nearestMih(queries, k, Math.min(maxDistance, 7));
    return this.nearestFlat(queries, k, maxDistance);
  }

  nearestFlat(queries: Code64[], k: number, maxDistance = 64): CodeHit[] {
    const n = this.artworkIds.length;
    const codes = this.codes;
    const alive = this.alive;
    const top = new TopK(k);
    const qn = queries.length;
    const qh = new Uint32Array(qn);
    const ql = new Uint32Array(qn);
    queries.forEach((q, i) => ((qh[i] = q.hi), (ql[i] = q.lo)));
    for (let s = 0; s < n; s++) {
      if (!alive[s]) continue;
      let best = 65;
      const base = s * CODES * 2;
      for (let qi = 0; qi < qn; qi++) {
        const h = qh[qi]!;
        const l = ql[qi]!;
        // phash (0) and crops (2..4)
        let o = base;
        let d = popcount32(codes[o]! ^ h) + popcount32(codes[o + 1]! ^ l);
        if (d < best) best = d;
        for (let kk = 2; kk < CODES; kk++) {
          o = base + kk * 2;
          d = popcount32(codes[o]! ^ h) + popcount32(codes[o + 1]! ^ l);
          if (d < best) best = d;
        }
      }
      if (best <= maxDistance && best < top.worst()) top.push(s, best);
    }
    return top.sorted();
  }

  private nearestMih(queries: Code64[], k: number, radius: number): CodeHit[] {
    const best = new Map<number, number>();
    for (const q of queries) {
      const keys = [q.hi >>> 16, q.hi & 0xffff, q.lo >>> 16, q.lo & 0xffff];
      for (let t = 0; t < 4; t++) {
        const m = this.mih![t]!;
        const key = keys[t]!;
        for (let flip = -1; flip < 16; flip++) {
          const probe = flip < 0 ? key : key ^ (1 << flip);
          const g = m.get(probe);
          if (!g) continue;
          for (let i = 0; i < g.length; i++) {
            const packed = g.data[i]!;
            const slot = packed >>> 4;
            const kk = packed & 15;
            const o = (slot * CODES + kk) * 2;
            const d = popcount32(this.codes[o]! ^ q.hi) + popcount32(this.codes[o + 1]! ^ q.lo);
            if (d > radius) continue;
            const prev = best.get(slot);
            if (prev === undefined || d < prev) best.set(slot, d);
          }
        }
      }
    }
    const top = new TopK(k);
    for (const [slot, d] of best) if (d < top.worst()) top.push(slot, d);
    return top.sorted();
  }

  dhashDistance(slot: number, q: Code64): number {
    const o = (slot * CODES + 1) * 2;
    return popcount32(this.codes[o]! ^ q.hi) + popcount32(this.codes[o + 1]! ^ q.lo);
  }

  phashDomainDistance(slot: number, q: Code64): number {
    let best = 64;
    for (const kk of PHASH_DOMAIN) {
      const o = (slot * CODES + kk) * 2;
      const d = popcount32(this.codes[o]! ^ q.hi) + popcount32(this.codes[o + 1]! ^ q.lo);
      if (d < best) best = d;
    }
    return best;
  }

  // --- iqdb-style scoring ---------------------------------------------------------------------------

  /**
   * iqdb-style candidate scoring: matched-coefficient weights minus the DC difference, over the
   * inverted index. Returns the best `k` slots with their normalised Haar distance (0 = identical).
   */
  nearestHaar(q: { dc: readonly number[]; coefs: Int16Array }, k: number, scratch?: Float32Array): CodeHit[] {
    const n = this.artworkIds.length;
    const scores = scratch && scratch.length >= n ? scratch : new Float32Array(n);
    scores.fill(0, 0, n);
    const prune = this.size > 20_000 ? Math.max(1000, Math.floor(this.size * 0.05)) : Infinity;
    let maxW = 0;
    for (let c = 0; c < 3; c++) {
      for (let kk = 0; kk < HAAR_COEFS; kk++) {
        const v = q.coefs[c * HAAR_COEFS + kk]!;
        const w = HAAR_WEIGHTS[HAAR_BIN[Math.abs(v)]!]![c]!;
        maxW += w;
        const p = this.postings[haarKey(c, v)];
        if (!p || p.length > prune) continue;
        const d = p.data;
        for (let i = 0; i < p.length; i++) scores[d[i]!]! += w;
      }
    }
    // Candidates by matched weight (pruned), then exact normalised distance including DC.
    const pre = new TopK(Math.max(k * 4, 64));
    for (let s = 0; s < n; s++) {
      if (!this.alive[s]) continue;
      const sc = scores[s]!;
      if (sc > 0 || pre.length < pre.k) {
        const neg = -sc;
        if (neg < pre.worst()) pre.push(s, neg);
      }
    }
    const out = new TopK(k);
    for (const h of pre.sorted()) {
      const d = this.haarDistanceTo(h.slot, q, maxW);
      if (d < out.worst()) out.push(h.slot, d);
    }
    return out.sorted();
  }

  /** Exact normalised Haar distance between a query signature and a slot. */
  haarDistanceTo(slot: number, q: { dc: readonly number[]; coefs: Int16Array }, maxW?: number): number {
    const base = slot * 3 * HAAR_COEFS;
    let s = 0;
    for (let c = 0; c < 3; c++) s += HAAR_WEIGHTS[0]![c]! * Math.abs(q.dc[c]! - this.haarDc[slot * 3 + c]!);
    let matched = 0;
    let max = 0;
    // the slot's coefficients marked in a scratch table (per channel and signed position), so each query
    // coefficient is looked up once instead of compared with all 40 (same sums in the same order)
    const mark = HAAR_MARK;
    const coefs = this.haarCoefs;
    for (let j = 0; j < 3 * HAAR_COEFS; j++) mark[haarKey((j / HAAR_COEFS) | 0, coefs[base + j]!)] = 1;
    for (let c = 0; c < 3; c++) {
      for (let kk = 0; kk < HAAR_COEFS; kk++) {
        const v = q.coefs[c * HAAR_COEFS + kk]!;
        const w = HAAR_WEIGHTS[HAAR_BIN[Math.abs(v)]!]![c]!;
        max += w;
        if (mark[haarKey(c, v)]) matched += w;
      }
    }
    for (let j = 0; j < 3 * HAAR_COEFS; j++) mark[haarKey((j / HAAR_COEFS) | 0, coefs[base + j]!)] = 0;
    return (s + (maxW ?? max) - matched) / (maxW ?? max);
  }

  /** Approximate heap bytes held by the index (typed arrays and postings; not the id strings). */
  memoryBytes(): { total: number; perEntry: number } {
    let total = this.codes.byteLength + this.alive.byteLength + this.haarDc.byteLength + this.haarCoefs.byteLength;
    for (const p of this.postings) if (p) total += p.data.byteLength + 32;
    if (this.mih) for (const m of this.mih) for (const g of m.values()) total += g.data.byteLength + 48;
    return { total, perEntry: this.size ? total / this.size : 0 };
  }
}

/** Bounded "k smallest" collector. */
export class TopK {
  private slots: number[] = [];
  private dists: number[] = [];
  constructor(readonly k: number) {}
  get length() {
    return this.slots.length;
  }
  worst(): number {
    return this.slots.length < this.k ? Infinity : this.dists[this.dists.length - 1]!;
  }
  push(slot: number, d: number) {
    // insertion into a sorted array (k is small)
    let i = this.dists.length;
    if (i >= this.k && d >= this.dists[i - 1]!) return;
    while (i > 0 && this.dists[i - 1]! > d) i--;
    this.slots.splice(i, 0, slot);
    this.dists.splice(i, 0, d);
    if (this.slots.length > this.k) {
      this.slots.pop();
      this.dists.pop();
    }
  }
  sorted(): CodeHit[] {
    return this.slots.map((slot, i) => ({ slot, distance: this.dists[i]! }));
  }
}
