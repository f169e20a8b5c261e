/**
 * In-memory reverse-image-search index, independent of the database, sized for a million artworks on one
 * box (≈ 300 bytes per artwork; see memoryBytes()).
 *
 * - 64-bit codes: per artwork its pHash, dHash, 3 centre-crop and 4 corner-crop pHashes. Small indexes use
 *   a flat popcount scan; large ones add multi-index hashing (4 tables × 16-bit substrings of the 8
 *   pHash-domain codes), exact up to Hamming radius 7 (pigeonhole with one flipped bit per table).
 * - iqdb-style Haar signatures: quantised DC averages and an inverted index of (channel, sign, position)
 *   buckets. Posting lists are gap-encoded varints (posting-lists.ts). Past 20k entries the most common
 *   buckets (> 5 % of the entries, iqdb's "stop words") become bitsets over the slots: they are skipped
 *   when gathering candidates, as iqdb does, and read back bit by bit for the exact distance of a candidate.
 * - No per-artwork coefficient copy: the exact distance of a slot is its matched weight in the query's
 *   score array (kept per query signature while the query lives) plus its stop-bucket bits.
 * - The grey verification images are not here: callers load them for the top candidates (VerifyLoader).
 * - Slots are never reused (posting lists stay ascending); a removed slot is dead until its postings are
 *   dropped by the next freeze, and costs its fixed per-slot bytes after that.
 */
import { PostingLists } from './posting-lists.js';
import { IdColumn, SlotLookup } from './slot-ids.js';
import { FEATURES_VERSION, HAAR_COEFS, type Code64, type IndexSignature } from './feature-types.js';
import { HAAR_BIN, HAAR_WEIGHTS, haarKey } from './haar-signature.js';
import { popcount32 } from './perceptual-hash.js';

/** 64-bit codes per slot: phash, dhash, 3 centre crops, 4 corner crops. */
const CODES = 9;
const PHASH_DOMAIN = [0, 2, 3, 4, 5, 6, 7, 8] as const;
const BUCKETS = 3 * 32768;
const MIH_MIN_SIZE = 50_000;
/** Stop-word buckets: planned from this many entries on, for buckets holding > STOP_SHARE of them. */
const STOP_MIN_SIZE = 20_000;
const STOP_SHARE = 0.05;
const STOP_MIN_COUNT = 1000;
/** DC averages (Y in 0..1, I/Q within ±0.6) as int16 steps of 1/16384: an error far below any threshold. */
const DC_SCALE = 16384;
/** Tails are folded into the packed arena when they outgrow it (amortised linear) or this many bytes. */
const FREEZE_MIN_BYTES = 8 << 20;

export interface CodeHit {
  slot: number;
  distance: number;
}

/** A Haar query signature (DC averages + signed coefficient positions). */
export interface HaarQuery {
  dc: readonly number[];
  coefs: Int16Array;
}

/** One query signature's matched weight per slot, and its stop-bucket keys for the exact distance. */
interface HaarScores {
  scores: Float32Array;
  touched: Uint32Array;
  nTouched: number;
  maxW: number;
  stopKeys: number[];
  stopW: number[];
  epoch: number;
}

export class SearchIndex {
  private cap = 0;
  private slots = 0;
  private size = 0;
  private dead = 0;
  private codes = new Uint32Array(0); // slot * CODES * 2
  private alive = new Uint8Array(0);
  private dc = new Int16Array(0); // slot * 3
  private haar = new PostingLists(BUCKETS);
  private stopBits: (Uint8Array | undefined)[] = new Array(BUCKETS);
  private isStop = new Uint8Array(BUCKETS);
  private bulk = false; // the same as stopBits[b] !== undefined, without a holey-array lookup
  private mihScratch: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  private stopBuckets = 0;
  private plannedAt = 0;
  private epoch = 0;
  private mih: PostingLists[] | null = null; // 4 tables: 16-bit substring -> slots having it in any pHash-domain code
  private readonly aIds = new IdColumn();
  private readonly cIds = new IdColumn();
  private readonly lookup = new SlotLookup(this.aIds);
  // scores of the query signatures in use, dropped with them (rank-candidates asks distances per slot)
  private memo = new WeakMap<Int16Array, HaarScores>();

  constructor(initialCapacity = 1024) {
    this.grow(initialCapacity);
  }

  /** Live entries. */
  get count(): number {
    return this.size;
  }

  /** Slots ever used (live and dead): every slot number is below this. */
  get slotCount(): number {
    return this.slots;
  }

  artworkId(slot: number): string {
    return this.aIds.get(slot);
  }

  characterId(slot: number): string {
    return this.cIds.get(slot);
  }

  isAlive(slot: number): boolean {
    return this.alive[slot] === 1;
  }

  private grow(n: number) {
    this.resize(Math.max(n, Math.ceil(this.cap * 1.5), 16));
  }

  /** Reallocates the per-slot arrays for `cap` slots (≥ the slots in use). */
  private resize(cap: number) {
    const codes = new Uint32Array(cap * CODES * 2);
    codes.set(this.codes.subarray(0, codes.length));
    const alive = new Uint8Array(cap);
    alive.set(this.alive.subarray(0, alive.length));
    const dc = new Int16Array(cap * 3);
    dc.set(this.dc.subarray(0, dc.length));
    for (let b = 0; b < BUCKETS; b++) {
      const bits = this.isStop[b] ? this.stopBits[b] : undefined;
      if (!bits) continue;
      const g = new Uint8Array((cap + 7) >> 3);
      g.set(bits.subarray(0, g.length));
      this.stopBits[b] = g;
    }
    this.aIds.grow(cap);
    this.cIds.grow(cap);
    this.codes = codes;
    this.alive = alive;
    this.dc = dc;
    this.cap = cap;
  }

  /** Adds or replaces an artwork's signatures. */
  upsert(artworkId: string, characterId: string, f: IndexSignature): number {
    if (f.version !== FEATURES_VERSION) throw new Error(`features version ${f.version} is not ${FEATURES_VERSION}`);
    this.remove(artworkId);
    const slot = this.slots++;
    if (slot >= this.cap) this.grow(slot + 1);
    this.aIds.set(slot, artworkId);
    this.cIds.set(slot, characterId);
    this.lookup.add(slot, artworkId);
    for (let k = 0; k < CODES; k++) {
      const c = (k === 0 ? f.phash : k === 1 ? f.dhash : f.cropHashes[k - 2]) ?? f.phash;
      this.codes[(slot * CODES + k) * 2] = c.hi;
      this.codes[(slot * CODES + k) * 2 + 1] = c.lo;
    }
    for (let c = 0; c < 3; c++) this.dc[slot * 3 + c] = Math.round(f.haarDc[c]! * DC_SCALE);
    for (let c = 0; c < 3; c++) {
      for (let k = 0; k < HAAR_COEFS; k++) {
        const key = haarKey(c, f.haarCoefs[c * HAAR_COEFS + k]!);
        if (this.isStop[key]) this.stopBits[key]![slot >> 3]! |= 1 << (slot & 7);
        else this.haar.append(key, slot);
      }
    }
    this.alive[slot] = 1;
    this.size++;
    if (this.mih) this.mihAdd(slot);
    else if (this.size >= MIH_MIN_SIZE) this.buildMih();
    if (this.size >= STOP_MIN_SIZE && this.size >= 2 * this.plannedAt) this.plan();
    this.maybeFreeze();
    return slot;
  }

  remove(artworkId: string): boolean {
    const slot = this.lookup.find(artworkId);
    if (slot === undefined || !this.alive[slot]) return false;
    this.alive[slot] = 0;
    this.lookup.delete(artworkId);
    this.size--;
    this.dead++;
    return true;
  }

  /** Starts a bulk load (a build from the database): postings are logged flat until compact(). */
  beginBulk(): void {
    this.bulk = true;
    this.haar.bulk = true;
    for (const t of this.mih ?? []) t.bulk = true;
  }

  /**
   * Re-plans the stop-word buckets and packs every posting list (dropping dead slots): call after a bulk
   * load, so that the index holds no growth slack; ends bulk mode.
   */
  compact(): void {
    if (this.size >= STOP_MIN_SIZE) this.plan();
    this.freeze();
    this.bulk = this.haar.bulk = false;
    for (const t of this.mih ?? []) t.bulk = false;
    // no growth slack left in the per-slot arrays either
    if (this.cap > this.slots + 16) this.resize(this.slots + 16);
  }

  private freeze() {
    const keep = this.dead > 0 ? (s: number) => this.alive[s] === 1 : undefined;
    this.haar.freeze(keep);
    for (const t of this.mih ?? []) t.freeze(keep);
  }

  private maybeFreeze() {
    const due = (l: PostingLists) => {
      const waiting = l.tailBytes + l.pendingBytes / 4; // a logged posting packs to ~2 bytes of 8
      return waiting > FREEZE_MIN_BYTES && waiting > l.packedBytes;
    };
    if (due(this.haar)) this.haar.freeze();
    if (this.mih) for (let t = 0; t < 4; t++) if (due(this.mih[t]!)) this.mih[t]!.freeze();
  }

  /** Turns the buckets that hold more than STOP_SHARE of the entries into bitsets over the slots. */
  private plan() {
    const threshold = Math.max(STOP_MIN_COUNT, STOP_SHARE * this.size);
    let changed = false;
    for (let b = 0; b < BUCKETS; b++) {
      if (this.isStop[b] || this.haar.count(b) <= threshold) continue;
      const bits = new Uint8Array((this.cap + 7) >> 3);
      this.haar.forEach(b, (s) => {
        if (this.alive[s]) bits[s >> 3]! |= 1 << (s & 7);
      });
      this.haar.clear(b);
      this.stopBits[b] = bits;
      this.isStop[b] = 1;
      this.stopBuckets++;
      changed = true;
    }
    this.plannedAt = this.size;
    if (changed) this.epoch++;
  }

  // --- multi-index hashing over the pHash-domain codes ------------------------------------------

  private buildMih() {
    // in bulk (one packed arena per table), then incrementally by mihAdd
    const keys = new Array<number>(PHASH_DOMAIN.length);
    this.mih = [0, 1, 2, 3].map((t) => {
      const lists = new Uint32Array(this.size * PHASH_DOMAIN.length);
      const values = new Uint32Array(lists.length);
      let n = 0;
      for (let s = 0; s < this.slots; s++) {
        if (!this.alive[s]) continue;
        const m = this.mihKeys(s, t, keys);
        for (let i = 0; i < m; i++) ((lists[n] = keys[i]!), (values[n++] = s));
      }
      const table = PostingLists.fromPairs(65536, lists, values, n);
      table.bulk = this.bulk;
      return table;
    });
  }

  /** The distinct 16-bit substrings `t` of a slot's pHash-domain codes, into `keys`; returns their count. */
  private mihKeys(slot: number, t: number, keys: number[]): number {
    let n = 0;
    for (let j = 0; j < PHASH_DOMAIN.length; j++) {
      const k = PHASH_DOMAIN[j]!;
      const word = this.codes[(slot * CODES + k) * 2 + (t >> 1)]!;
      const key = t & 1 ? word & 0xffff : word >>> 16;
      // several codes of one picture often share a substring: one posting per slot and key
      let dup = false;
      for (let i = 0; i < n; i++) if (keys[i] === key) dup = true;
      if (!dup) keys[n++] = key;
    }
    return n;
  }

  private mihAdd(slot: number) {
    const keys = this.mihScratch;
    for (let t = 0; t < 4; t++) {
      const n = this.mihKeys(slot, t, keys);
      for (let i = 0; i < n; i++) this.mih![t]!.append(keys[i]!, slot);
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
    const n = this.slots;
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
        // phash (0) and crops (2..8)
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
      const visit = (slot: number) => {
        if (!this.alive[slot]) return;
        const d = this.phashDomainDistance(slot, q);
        if (d > radius) return;
        const prev = best.get(slot);
        if (prev === undefined || d < prev) best.set(slot, d);
      };
      for (let t = 0; t < 4; t++) {
        const table = this.mih![t]!;
        const key = keys[t]!;
        for (let flip = -1; flip < 16; flip++) table.forEach(flip < 0 ? key : key ^ (1 << flip), visit);
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
   * Matched weight per slot over the query's non-stop buckets (one pass over their posting lists), reused
   * while it covers slot `minSlots` and the stop buckets are unchanged.
   */
  private haarScores(q: HaarQuery, minSlots = 0): HaarScores {
    const m = this.memo.get(q.coefs);
    if (m && m.epoch === this.epoch && m.scores.length > minSlots) return m;
    let maxW = 0;
    let total = 0;
    const stopKeys: number[] = [];
    const stopW: number[] = [];
    const scored: number[] = [];
    const weights: number[] = [];
    for (let c = 0; c < 3; c++) {
      for (let kk = 0; kk < HAAR_COEFS; kk++) {
        const v = q.coefs[c * HAAR_COEFS + kk]!;
        const w = HAAR_WEIGHTS[HAAR_BIN[Math.abs(v)]!]![c]!;
        const key = haarKey(c, v);
        maxW += w;
        if (this.isStop[key]) (stopKeys.push(key), stopW.push(w));
        else (scored.push(key), weights.push(w), (total += this.haar.count(key)));
      }
    }
    const scores = new Float32Array(Math.max(1, this.slots));
    const touched = new Uint32Array(total);
    let nTouched = 0;
    for (let i = 0; i < scored.length; i++) nTouched = this.haar.addWeight(scored[i]!, weights[i]!, scores, touched, nTouched);
    const out = { scores, touched, nTouched, maxW, stopKeys, stopW, epoch: this.epoch };
    this.memo.set(q.coefs, out);
    return out;
  }

  private exactHaar(slot: number, q: HaarQuery, m: HaarScores): number {
    let s = 0;
    for (let c = 0; c < 3; c++) s += HAAR_WEIGHTS[0]![c]! * Math.abs(q.dc[c]! - this.dc[slot * 3 + c]! / DC_SCALE);
    let matched = m.scores[slot]!;
    const byte = slot >> 3;
    const bit = 1 << (slot & 7);
    for (let i = 0; i < m.stopKeys.length; i++) if (this.stopBits[m.stopKeys[i]!]![byte]! & bit) matched += m.stopW[i]!;
    return (s + m.maxW - matched) / m.maxW;
  }

  /**
   * iqdb-style candidate scoring: matched-coefficient weights over the non-stop buckets, then the exact
   * normalised distance (DC difference included) of the best; returns the best `k` (0 = identical).
   */
  nearestHaar(q: HaarQuery, k: number, _scratch?: Float32Array): CodeHit[] {
    // scores that cover every slot (a memo from before the newest upserts would miss them)
    const m = this.haarScores(q, this.slots - 1);
    const pre = new TopK(Math.max(k * 4, 64));
    for (let i = 0; i < m.nTouched; i++) {
      const s = m.touched[i]!;
      if (!this.alive[s]) continue;
      const neg = -m.scores[s]!;
      if (neg < pre.worst()) pre.push(s, neg);
    }
    // a small index may not fill the pre-selection with slots that share a bucket
    for (let s = 0; s < this.slots && pre.length < pre.k; s++) if (this.alive[s] && m.scores[s] === 0) pre.push(s, 0);
    const out = new TopK(k);
    for (const h of pre.sorted()) {
      const d = this.exactHaar(h.slot, q, m);
      if (d < out.worst()) out.push(h.slot, d);
    }
    return out.sorted();
  }

  /** Exact normalised Haar distance between a query signature and a slot. */
  haarDistanceTo(slot: number, q: HaarQuery): number {
    return this.exactHaar(slot, q, this.haarScores(q, slot));
  }

  /** Bytes held by the index: typed arrays, posting lists, bitsets, ids (not the per-query scores). */
  memoryBytes(): { total: number; perEntry: number; parts: Record<string, number> } {
    const parts: Record<string, number> = {
      codes: this.codes.byteLength,
      dc_alive: this.dc.byteLength + this.alive.byteLength,
      ids: this.aIds.bytes() + this.cIds.bytes() + this.lookup.bytes(),
      haar_postings: this.haar.bytes(),
      haar_stop_bitsets: this.stopBuckets * ((this.cap + 7) >> 3),
      mih: (this.mih ?? []).reduce((a, t) => a + t.bytes(), 0),
    };
    const total = Object.values(parts).reduce((a, b) => a + b, 0);
    return { total, perEntry: this.size ? total / this.size : 0, parts };
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
