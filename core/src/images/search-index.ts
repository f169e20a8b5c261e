/**
 * In-memory reverse-image-search index, independent of the database, sized for a million artworks on one
 * box (≈ 300 bytes per artwork; see memoryBytes()).
 *
 * - 64-bit codes: per artwork its pHash, dHash, 3 centre-crop and 4 corner-crop pHashes. Small indexes use
 *   a flat popcount scan; large ones add multi-index hashing (4 tables × 16-bit substrings of the 8
 *   pHash-domain codes), exact up to Hamming radius 7 (pigeonhole with one flipped bit per table).
 * - iqdb-style Haar signatures: quantised DC averages and an inverted index of (channel, sign, position)
 *   buckets. Posting lists are gap-encoded varints (posting-lists.ts). Past 20k entries the most common
 *   buckets (> 5 % of the entries, iqdb's "stop words") become bits of a per-slot stop row: they are
 *   skipped when gathering candidates, as iqdb does, and read from the candidate's row for its exact distance.
 * - No per-artwork coefficient copy: the exact distance of a slot is its matched weight in the query's
 *   score array (kept from one nearestHaarMany() call to the next) plus its stop-row bits.
 * - exportState()/adopt() move a built index between threads (index-build.ts) without copying.
 * - The grey verification images are not here: callers load them for the top candidates (VerifyLoader).
 * - Slots are never reused (posting lists stay ascending); a removed slot is dead until its postings are
 *   dropped by the next freeze, and costs its fixed per-slot bytes after that.
 */
import { PostingLists } from './posting-lists.js';
import { rawSignature, type RawSignature } from './feature-blob.js';
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
/** Slots scored per window of a Haar query: 32k float scores (128 KB) per query signature stay in L2. */
const WINDOW = 32768;

/** A SearchIndex as structured-cloneable data (see exportState). */
export interface SearchIndexState {
  plain: object;
  haar: object;
  mih: object[] | null;
  aIds: object;
  cIds: object;
  lookup: object;
}

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
  // stop buckets as one row of bits per slot (bit stopIdx[b] of row slot): a candidate's exact distance
  // reads one row instead of one bitset per bucket
  private stopRows = new Uint8Array(0); // slot * stopStride
  private stopStride = 0;
  private readonly stopIdx = new Int32Array(BUCKETS);
  private isStop = new Uint8Array(BUCKETS);
  private bulk = false;
  private mihScratch: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  private stopBuckets = 0;
  private plannedAt = 0;
  private epoch = 0;
  private mih: PostingLists[] | null = null; // 4 tables: 16-bit substring -> slots having it in any pHash-domain code
  private readonly aIds = new IdColumn();
  private readonly cIds = new IdColumn();
  private readonly lookup = new SlotLookup(this.aIds);
  // scores of other query signatures (haarDistanceTo outside a batch), dropped with them
  private memo = new WeakMap<Int16Array, HaarScores>();
  // per query of the last nearestHaarMany() call: its score array, and what its exact distance needs
  private scratch: Float32Array[] = [];
  private readonly windowBuf = new Uint32Array(WINDOW);
  private mihBuf = new Uint32Array(1024);
  private readonly rawScratch = rawSignature();
  private batch: {
    coefs: Int16Array[];
    dc: (readonly number[])[];
    maxW: number[];
    stopKeys: number[][];
    stopW: number[][];
    slots: number;
    epoch: number;
  } | null = null;

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
    const rows = new Uint8Array(cap * this.stopStride);
    rows.set(this.stopRows.subarray(0, rows.length));
    this.stopRows = rows;
    this.aIds.grow(cap);
    this.cIds.grow(cap);
    this.codes = codes;
    this.alive = alive;
    this.dc = dc;
    this.cap = cap;
  }

  /** Adds or replaces an artwork's signatures. */
  upsert(artworkId: string, characterId: string, f: IndexSignature): number {
    const raw = this.rawScratch;
    raw.version = f.version;
    for (let k = 0; k < CODES; k++) {
      const c = (k === 0 ? f.phash : k === 1 ? f.dhash : f.cropHashes[k - 2]) ?? f.phash;
      raw.codes[k * 2] = c.hi;
      raw.codes[k * 2 + 1] = c.lo;
    }
    for (let c = 0; c < 3; c++) raw.dc[c] = f.haarDc[c]!;
    raw.coefs.set(f.haarCoefs);
    return this.upsertRaw(artworkId, characterId, raw);
  }

  /** upsert() from flat arrays (readSignatureInto): the bulk load allocates nothing per row. */
  upsertRaw(artworkId: string, characterId: string, f: RawSignature): number {
    if (f.version !== FEATURES_VERSION) throw new Error(`features version ${f.version} is not ${FEATURES_VERSION}`);
    this.remove(artworkId);
    const slot = this.slots++;
    if (slot >= this.cap) this.grow(slot + 1);
    this.aIds.set(slot, artworkId);
    this.cIds.set(slot, characterId);
    this.lookup.add(slot, artworkId);
    this.codes.set(f.codes, slot * CODES * 2);
    for (let c = 0; c < 3; c++) this.dc[slot * 3 + c] = Math.round(f.dc[c]! * DC_SCALE);
    const row = slot * this.stopStride;
    for (let c = 0; c < 3; c++) {
      for (let k = 0; k < HAAR_COEFS; k++) {
        const key = haarKey(c, f.coefs[c * HAAR_COEFS + k]!);
        if (this.isStop[key]) this.stopRows[row + (this.stopIdx[key]! >> 3)]! |= 1 << (this.stopIdx[key]! & 7);
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

  /** Turns the buckets that hold more than STOP_SHARE of the entries into bits of the per-slot stop rows. */
  private plan() {
    const threshold = Math.max(STOP_MIN_COUNT, STOP_SHARE * this.size);
    const fresh: number[] = [];
    for (let b = 0; b < BUCKETS; b++) if (!this.isStop[b] && this.haar.count(b) > threshold) fresh.push(b);
    const changed = fresh.length > 0;
    if (changed) {
      // wider rows: the old bits move over, the new buckets' slots are set from their lists
      const stride = (this.stopBuckets + fresh.length + 7) >> 3;
      const rows = new Uint8Array(this.cap * stride);
      if (this.stopStride) for (let s = 0; s < this.slots; s++) rows.set(this.stopRows.subarray(s * this.stopStride, (s + 1) * this.stopStride), s * stride);
      for (const b of fresh) {
        const si = this.stopBuckets++;
        this.haar.forEach(b, (s) => {
          if (this.alive[s]) rows[s * stride + (si >> 3)]! |= 1 << (si & 7);
        });
        this.haar.clear(b);
        this.stopIdx[b] = si;
        this.isStop[b] = 1;
      }
      this.stopRows = rows;
      this.stopStride = stride;
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
    // only slots within the radius are kept (a probed list is mostly farther slots)
    const best = new Map<number, number>();
    const codes = this.codes;
    const alive = this.alive;
    for (const q of queries) {
      const keys = [q.hi >>> 16, q.hi & 0xffff, q.lo >>> 16, q.lo & 0xffff];
      const qh = q.hi;
      const ql = q.lo;
      for (let t = 0; t < 4; t++) {
        const table = this.mih![t]!;
        for (let flip = -1; flip < 16; flip++) {
          const key = flip < 0 ? keys[t]! : keys[t]! ^ (1 << flip);
          const count = table.count(key);
          if (count === 0) continue;
          if (this.mihBuf.length < count) this.mihBuf = new Uint32Array(count * 2);
          const buf = this.mihBuf;
          const n = table.decodeAll(key, buf);
          for (let i = 0; i < n; i++) {
            const slot = buf[i]!;
            if (!alive[slot]) continue;
            let d = 65;
            for (let j = 0; j < PHASH_DOMAIN.length; j++) {
              const o = (slot * CODES + PHASH_DOMAIN[j]!) * 2;
              const e = popcount32(codes[o]! ^ qh) + popcount32(codes[o + 1]! ^ ql);
              if (e < d) d = e;
            }
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
        if (this.isStop[key]) (stopKeys.push(this.stopIdx[key]!), stopW.push(w));
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
    const row = slot * this.stopStride;
    for (let i = 0; i < m.stopKeys.length; i++) {
      const si = m.stopKeys[i]!;
      if (this.stopRows[row + (si >> 3)]! & (1 << (si & 7))) matched += m.stopW[i]!;
    }
    return (s + m.maxW - matched) / m.maxW;
  }

  /**
   * iqdb-style candidate scoring of several query signatures at once (the variants of one query): the
   * matched weight of every slot over the queries' non-stop buckets, then the exact normalised distance
   * (DC difference included) of the best; per query its best `k` (0 = identical).
   *
   * The union of the queries' buckets is decoded once, window by window of WINDOW slots, so that the
   * score writes stay in a cache-sized range; the best of a window are picked while it is hot. The score
   * arrays are kept between calls (cleared window by window on the next one), and batchHaarDistance()
   * reads them until the next call.
   */
  nearestHaarMany(queries: readonly HaarQuery[], k: number): CodeHit[][] {
    const nq = queries.length;
    const slots = this.slots;
    // the queries' non-stop buckets, each with the (query, weight) pairs that score it
    const pairs: { key: number; qi: number; w: number }[] = [];
    const maxW: number[] = [];
    const stopKeys: number[][] = [];
    const stopW: number[][] = [];
    for (let qi = 0; qi < nq; qi++) {
      const q = queries[qi]!;
      let mw = 0;
      const sk: number[] = [];
      const sw: number[] = [];
      for (let c = 0; c < 3; c++) {
        for (let kk = 0; kk < HAAR_COEFS; kk++) {
          const v = q.coefs[c * HAAR_COEFS + kk]!;
          const w = HAAR_WEIGHTS[HAAR_BIN[Math.abs(v)]!]![c]!;
          const key = haarKey(c, v);
          mw += w;
          if (this.isStop[key]) (sk.push(this.stopIdx[key]!), sw.push(w));
          else if (this.haar.count(key) > 0) pairs.push({ key, qi, w });
        }
      }
      maxW.push(mw);
      stopKeys.push(sk);
      stopW.push(sw);
    }
    pairs.sort((a, b) => a.key - b.key || a.qi - b.qi);
    const keys: number[] = [];
    const firstPair: number[] = [];
    for (let i = 0; i < pairs.length; i++) if (i === 0 || pairs[i]!.key !== pairs[i - 1]!.key) (keys.push(pairs[i]!.key), firstPair.push(i));
    firstPair.push(pairs.length);
    const nk = keys.length;
    const pos = new Uint32Array(nk);
    const val = new Int32Array(nk);
    const part = new Uint8Array(nk);
    for (let i = 0; i < nk; i++) this.haar.startCursor(keys[i]!, i, pos, val, part);
    const scores = this.scoreArrays(nq, slots);
    const buf = this.windowBuf;
    const preK = Math.max(k * 4, 64);
    const pre = queries.map(() => new TopK(preK));
    const alive = this.alive;
    for (let w0 = 0; w0 < slots; w0 += WINDOW) {
      const w1 = Math.min(slots, w0 + WINDOW);
      for (let qi = 0; qi < nq; qi++) scores[qi]!.fill(0, w0, w1);
      for (let i = 0; i < nk; i++) {
        if (firstPair[i + 1]! - firstPair[i]! === 1) {
          this.haar.addBelow(keys[i]!, i, pos, val, part, w1, scores[pairs[firstPair[i]!]!.qi]!, pairs[firstPair[i]!]!.w);
          continue;
        }
        const n = this.haar.decodeBelow(keys[i]!, i, pos, val, part, w1, buf);
        if (n === 0) continue;
        for (let j = firstPair[i]!; j < firstPair[i + 1]!; j++) {
          const sc = scores[pairs[j]!.qi]!;
          const w = pairs[j]!.w;
          for (let m = 0; m < n; m++) sc[buf[m]!]! += w;
        }
      }
      for (let qi = 0; qi < nq; qi++) {
        const sc = scores[qi]!;
        const top = pre[qi]!;
        let worst = -top.worst(); // the score to beat (−Infinity → +Infinity while filling: take any > 0)
        if (worst === -Infinity) worst = 0;
        for (let s = w0; s < w1; s++) {
          const x = sc[s]!;
          if (x > worst && alive[s]) {
            top.push(s, -x);
            const t = top.worst();
            worst = t === Infinity ? 0 : -t;
          }
        }
      }
    }
    this.batch = { coefs: queries.map((q) => q.coefs), dc: queries.map((q) => q.dc), maxW, stopKeys, stopW, slots, epoch: this.epoch };
    return pre.map((top, qi) => {
      // a small index may not fill the pre-selection with slots that share a bucket
      for (let s = 0; s < slots && top.length < top.k; s++) if (alive[s] && scores[qi]![s] === 0) top.push(s, 0);
      const out = new TopK(k);
      for (const h of top.sorted()) {
        const d = this.batchHaarDistance(h.slot, qi);
        if (d < out.worst()) out.push(h.slot, d);
      }
      return out.sorted();
    });
  }

  /** One slot's exact distance to query `qi` of the last nearestHaarMany() call. */
  batchHaarDistance(slot: number, qi: number): number {
    const b = this.batch!;
    let s = 0;
    const dc = b.dc[qi]!;
    for (let c = 0; c < 3; c++) s += HAAR_WEIGHTS[0]![c]! * Math.abs(dc[c]! - this.dc[slot * 3 + c]! / DC_SCALE);
    let matched = this.scratch[qi]![slot]!;
    const row = slot * this.stopStride;
    const sk = b.stopKeys[qi]!;
    const sw = b.stopW[qi]!;
    for (let i = 0; i < sk.length; i++) {
      const si = sk[i]!;
      if (this.stopRows[row + (si >> 3)]! & (1 << (si & 7))) matched += sw[i]!;
    }
    return (s + b.maxW[qi]! - matched) / b.maxW[qi]!;
  }

  /** `n` score arrays covering `slots`, reused from call to call. */
  private scoreArrays(n: number, slots: number): Float32Array[] {
    this.batch = null;
    const size = Math.max(16, this.cap);
    for (let i = 0; i < n; i++) if (!this.scratch[i] || this.scratch[i]!.length < slots) this.scratch[i] = new Float32Array(size);
    return this.scratch;
  }

  nearestHaar(q: HaarQuery, k: number): CodeHit[] {
    return this.nearestHaarMany([q], k)[0]!;
  }

  /** Exact normalised Haar distance between a query signature and a slot. */
  haarDistanceTo(slot: number, q: HaarQuery): number {
    const b = this.batch;
    if (b && b.epoch === this.epoch && slot < b.slots) {
      const qi = b.coefs.indexOf(q.coefs);
      if (qi >= 0) return this.batchHaarDistance(slot, qi);
    }
    return this.exactHaar(slot, q, this.haarScores(q, slot));
  }

  /**
   * The index as plain data for postMessage (a build in a worker thread), with the buffers to transfer
   * rather than copy. The query scratch is left out.
   */
  exportState(): { state: SearchIndexState; transfer: ArrayBuffer[] } {
    const { memo: _memo, scratch: _scratch, batch: _batch, haar, mih, aIds, cIds, lookup, ...plain } = this;
    const state: SearchIndexState = {
      plain,
      haar: { ...haar },
      mih: mih?.map((t) => ({ ...t })) ?? null,
      aIds: { ...aIds },
      cIds: { ...cIds },
      lookup: { ...lookup, ids: undefined },
    };
    const buffers = new Set<ArrayBuffer>();
    const walk = (x: unknown) => {
      if (ArrayBuffer.isView(x)) {
        if (x.buffer instanceof ArrayBuffer) buffers.add(x.buffer);
      } else if (Array.isArray(x)) x.forEach(walk);
      else if (x && typeof x === 'object' && !(x instanceof Map)) Object.values(x).forEach(walk);
    };
    walk(state);
    return { state, transfer: [...buffers] };
  }

  /** Takes over an index exported by exportState() (this one's contents are dropped). */
  adopt(s: SearchIndexState): void {
    const revive = <T extends object>(proto: T, fields: object): T => Object.assign(Object.create(proto) as T, fields);
    const aIds = revive(IdColumn.prototype, s.aIds);
    Object.assign(this, s.plain, {
      haar: revive(PostingLists.prototype, s.haar),
      mih: s.mih?.map((t) => revive(PostingLists.prototype, t)) ?? null,
      aIds,
      cIds: revive(IdColumn.prototype, s.cIds),
      lookup: revive(SlotLookup.prototype, { ...s.lookup, ids: aIds }),
      memo: new WeakMap(),
      scratch: [],
      batch: null,
    });
  }

  /** Bytes held by the index: typed arrays, posting lists, bitsets, ids (not the per-query scores). */
  memoryBytes(): { total: number; perEntry: number; parts: Record<string, number>; queryScratch: number } {
    const parts: Record<string, number> = {
      codes: this.codes.byteLength,
      dc_alive: this.dc.byteLength + this.alive.byteLength,
      ids: this.aIds.bytes() + this.cIds.bytes() + this.lookup.bytes(),
      haar_postings: this.haar.bytes(),
      haar_stop_bitsets: this.stopRows.byteLength,
      mih: (this.mih ?? []).reduce((a, t) => a + t.bytes(), 0),
    };
    const total = Object.values(parts).reduce((a, b) => a + b, 0);
    // the score arrays of the last query, kept for the next one (one per query variant)
    const queryScratch = this.scratch.reduce((a, x) => a + x.byteLength, 0);
    return { total, perEntry: this.size ? total / this.size : 0, parts, queryScratch };
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
