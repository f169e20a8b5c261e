/**
 * In-memory reverse-image-search index, independent of the database, sized for a million artworks on one
 * box (≈ 300 bytes per artwork; see memoryBytes()).
 *
 * - 64-bit codes: per artwork its pHash, dHash, 3 centre-crop and 4 corner-crop pHashes (code-index.ts).
 *   Small indexes use a flat popcount scan; large ones add multi-index hashing over 3 wide substrings of
 *   the 8 pHash-domain codes (substring-tables.ts), exact up to Hamming radius 7.
 * - iqdb-style Haar signatures: quantised DC averages and an inverted index of (channel, sign, position)
 *   buckets. Posting lists are gap-encoded varints (posting-lists.ts). Past 20k entries the most common
 *   buckets (> 5 % of the entries, iqdb's "stop words") become bits of a per-slot stop row: they are
 *   skipped when gathering candidates, as iqdb does, and read from the candidate's row for its exact distance.
 *   The next most common ones (> 1 %, "probed") are not scanned either: each slot keeps the probed buckets
 *   it is in as a short row (probed-rows.ts), read for the few candidates that need their exact distance.
 * - No per-artwork coefficient copy: the exact distance of a slot is its matched weight in the query's
 *   score array (kept from one nearestHaarMany() call to the next) plus its stop-row bits and probed row.
 * - It lives in a worker thread (index-worker.ts), which builds it, keeps it current and searches it.
 * - The grey verification images are not here: callers load them for the top candidates (VerifyLoader).
 * - Slots are never reused (posting lists stay ascending); a removed slot is dead until its postings are
 *   dropped by the next freeze, and costs its fixed per-slot bytes after that.
 */
import { CodeIndex, CODES } from './code-index.js';
import { PostingLists } from './posting-lists.js';
import { ProbedRows } from './probed-rows.js';
import { rawSignature, type RawSignature } from './feature-blob.js';
import { IdColumn, SlotLookup } from './slot-ids.js';
import { FEATURES_VERSION, HAAR_COEFS, type Code64, type IndexSignature } from './feature-types.js';
import { HAAR_BIN, HAAR_WEIGHTS, haarKey } from './haar-signature.js';
import { kthLargest } from './order-statistic.js';
import type { QueryWork } from './query-work.js';
import { Picks, sortSmall, StopWeights, TopK, type CodeHit } from './ranked-picks.js';

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
/**
 * Probed buckets: planned with the stop buckets, for the others holding > PROBE_SHARE of the entries
 * (≈ 2 % of the buckets with ¾ of the remaining postings). A query scans none of their lists.
 */
const PROBE_SHARE = 0.01;
const PROBE_MIN_COUNT = 256;
/** Slots scored per window of a Haar query: 8k float scores and hits (64 KB) per query signature, so that a query of several variants stays in L2. */
const WINDOW = 8192;
/**
 * A planned index ranks per query signature: by weight over the rare buckets, its best PRESELECT; by
 * distance without the probed buckets (stop bits and DC added), their best RESCORE; exact distance.
 */
const PRESELECT = 512;
const RESCORE = 96;

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
  probeIdx: Int32Array;
  probeW: number[];
  epoch: number;
}

export class SearchIndex {
  private cap = 0;
  private slots = 0;
  private size = 0;
  private dead = 0;
  private readonly codes = new CodeIndex();
  private alive = new Uint8Array(0);
  private dc = new Int16Array(0); // slot * 3
  private haar = new PostingLists(BUCKETS);
  // stop buckets as one row of bits per slot (bit stopIdx[b] of row slot): a candidate's exact distance
  // reads one row instead of one bitset per bucket
  private stopRows = new Uint8Array(0); // slot * stopStride
  private stopStride = 0;
  private readonly stopIdx = new Int32Array(BUCKETS);
  private isStop = new Uint8Array(BUCKETS);
  // probed buckets: their number (0..) per bucket, -1 for the others; their buckets and live slots by number
  private probedIdx = new Int32Array(BUCKETS).fill(-1);
  private probedBucket: number[] = [];
  private probedCount = new Uint32Array(0);
  // per slot, its probed buckets (a query never scans their lists, which are empty)
  private probedRows = new ProbedRows();
  private readonly rowScratch = new Int32Array(3 * HAAR_COEFS);
  // per probed bucket, its place (1..) among a query's probed keys while probeExact() reads rows
  private probePos = new Int32Array(0);
  private probeFlags = new Uint8Array(64);
  private bulk = false;
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
  // per query signature of a batch: the window's scores and the window slots hit
  private win: { sc: Float32Array; hit: Uint32Array }[] = [];
  // the scanned lists of the last nearestHaarMany() call, decoded
  private flat = new Uint32Array(1024);
  // what the touch passes (touchRows, addProbed) read, kept so that the reads are not optimised away
  private touchSink = 0;
  private readonly rawScratch = rawSignature();
  /** Collects the cost of every query part while set (benchmarks). */
  work: QueryWork | null = null;
  private batch: {
    coefs: Int16Array[];
    dc: (readonly number[])[];
    maxW: number[];
    stops: StopWeights[];
    /** Per query its probed buckets (by number) and their weights. */
    probeIdx: Int32Array[];
    probeW: number[][];
    /** Per query its scanned lists (indexes into from/listW). */
    scanLists: number[][];
    from: Uint32Array;
    listW: Float64Array;
    /** Exact distances known per query: slot → distance. */
    exact: Map<number, number>[];
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
    this.codes.resize(cap);
    const alive = new Uint8Array(cap);
    alive.set(this.alive.subarray(0, alive.length));
    const dc = new Int16Array(cap * 3);
    dc.set(this.dc.subarray(0, dc.length));
    const rows = new Uint8Array(cap * this.stopStride);
    rows.set(this.stopRows.subarray(0, rows.length));
    this.stopRows = rows;
    this.aIds.grow(cap);
    this.cIds.grow(cap);
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
    this.codes.set(slot, f.codes);
    for (let c = 0; c < 3; c++) this.dc[slot * 3 + c] = Math.round(f.dc[c]! * DC_SCALE);
    const row = slot * this.stopStride;
    const probed = this.rowScratch;
    let np = 0;
    for (let c = 0; c < 3; c++) {
      for (let k = 0; k < HAAR_COEFS; k++) {
        const key = haarKey(c, f.coefs[c * HAAR_COEFS + k]!);
        if (this.isStop[key]) this.stopRows[row + (this.stopIdx[key]! >> 3)]! |= 1 << (this.stopIdx[key]! & 7);
        else if (this.probedIdx[key]! >= 0) probed[np++] = this.probedIdx[key]!;
        else this.haar.append(key, slot);
      }
    }
    sortSmall(probed, np);
    for (let i = 0; i < np; i++) this.probedCount[probed[i]!]!++;
    this.probedRows.push(probed, np);
    this.alive[slot] = 1;
    this.size++;
    if (this.codes.hasTables) this.codes.addToTables(this.slots, this.alive);
    else if (this.size >= MIH_MIN_SIZE) this.codes.buildTables(this.slots, this.alive, this.bulk);
    if (this.size >= STOP_MIN_SIZE && this.size >= 2 * this.plannedAt) this.plan();
    this.maybeFreeze();
    return slot;
  }

  remove(artworkId: string): boolean {
    const slot = this.lookup.find(artworkId);
    if (slot === undefined || !this.alive[slot]) return false;
    this.alive[slot] = 0;
    const n = this.probedRows.read(slot, this.rowScratch);
    for (let i = 0; i < n; i++) this.probedCount[this.rowScratch[i]!]!--;
    this.lookup.delete(artworkId);
    this.size--;
    this.dead++;
    return true;
  }

  /** Starts a bulk load (a build from the database): postings are logged flat until compact(). */
  beginBulk(): void {
    this.bulk = true;
    this.haar.bulk = true;
    this.codes.setBulk(true);
  }

  /**
   * Re-plans the stop-word buckets and packs every posting list (dropping dead slots): call after a bulk
   * load, so that the index holds no growth slack; ends bulk mode.
   */
  compact(): void {
    if (this.size >= STOP_MIN_SIZE) this.plan();
    this.bulk = this.haar.bulk = false;
    this.codes.setBulk(false);
    this.freeze();
    this.probedRows.trim();
    // no growth slack left in the per-slot arrays either
    if (this.cap > this.slots + 16) this.resize(this.slots + 16);
  }

  private freeze() {
    const keep = this.dead > 0 ? (s: number) => this.alive[s] === 1 : undefined;
    this.haar.freeze(keep);
    this.codes.freeze(this.slots, this.alive, this.dead > 0);
  }

  private maybeFreeze() {
    const due = (l: PostingLists) => {
      const waiting = l.tailBytes + l.pendingBytes / 4; // a logged posting packs to ~2 bytes of 8
      return waiting > FREEZE_MIN_BYTES && waiting > l.packedBytes;
    };
    if (due(this.haar)) this.haar.freeze();
  }

  /** Live entries in a bucket that is not a stop bucket (a probed bucket's list is empty). */
  private bucketCount(b: number): number {
    const i = this.probedIdx[b]!;
    return i >= 0 ? this.probedCount[i]! : this.haar.count(b);
  }

  /**
   * Turns the buckets that hold more than STOP_SHARE of the entries into bits of the per-slot stop rows,
   * and makes those above PROBE_SHARE the probed ones (their slots move from their lists into the
   * per-slot probed rows, and back when they fall below it).
   */
  private plan() {
    const threshold = Math.max(STOP_MIN_COUNT, STOP_SHARE * this.size);
    const fresh: number[] = [];
    for (let b = 0; b < BUCKETS; b++) if (!this.isStop[b] && this.bucketCount(b) > threshold) fresh.push(b);
    const changed = fresh.length > 0;
    if (changed) {
      // wider rows: the old bits move over, the new buckets' slots are set from their lists (a probed
      // bucket's from the probed rows, below)
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
    const probeAt = Math.max(PROBE_MIN_COUNT, PROBE_SHARE * this.size);
    const next: number[] = [];
    for (let b = 0; b < BUCKETS; b++) if (!this.isStop[b] && this.bucketCount(b) > probeAt) next.push(b);
    const same = next.length === this.probedBucket.length && next.every((b, i) => this.probedBucket[i] === b);
    if (!same) {
      this.reprobe(next);
      this.epoch++;
    }
    this.plannedAt = this.size;
    if (changed) this.epoch++;
  }

  /**
   * Rebuilds the probed rows for the probed buckets `next` (ascending): a bucket that joins moves its
   * slots from its list into the rows, one that leaves moves them back into its (empty) list or, when it
   * became a stop bucket, into the stop rows. Dead slots get empty rows.
   */
  private reprobe(next: number[]) {
    const oldBucket = this.probedBucket;
    const nextIdx = new Int32Array(BUCKETS).fill(-1);
    next.forEach((b, i) => (nextIdx[b] = i));
    // the joining buckets' slots, grouped by slot (a counting sort)
    const joining = next.filter((b) => this.probedIdx[b]! < 0);
    const at = new Uint32Array(this.slots + 1);
    for (const b of joining) this.haar.forEach(b, (s) => void (this.alive[s] && at[s + 1]!++));
    for (let s = 0; s < this.slots; s++) at[s + 1]! += at[s]!;
    const joined = new Int32Array(at[this.slots]!);
    const fill = at.slice(0, this.slots);
    for (const b of joining) {
      this.haar.forEach(b, (s) => void (this.alive[s] && (joined[fill[s]!++] = nextIdx[b]!)));
      this.haar.clear(b);
    }
    const old = this.probedRows;
    const rows = new ProbedRows();
    const counts = new Uint32Array(next.length);
    const row = this.rowScratch;
    const out = new Int32Array(3 * HAAR_COEFS);
    for (let s = 0; s < this.slots; s++) {
      let n = 0;
      if (this.alive[s]) {
        const m = s < old.rows ? old.read(s, row) : 0;
        for (let i = 0; i < m; i++) {
          const b = oldBucket[row[i]!]!;
          if (nextIdx[b]! >= 0) out[n++] = nextIdx[b]!;
          else if (this.isStop[b]) this.stopRows[s * this.stopStride + (this.stopIdx[b]! >> 3)]! |= 1 << (this.stopIdx[b]! & 7);
          else this.haar.append(b, s); // ascending slots: the list was emptied when it joined
        }
        for (let j = at[s]!; j < at[s + 1]!; j++) out[n++] = joined[j]!;
        sortSmall(out, n);
        for (let i = 0; i < n; i++) counts[out[i]!]!++;
      }
      rows.push(out, n);
    }
    for (const b of oldBucket) this.probedIdx[b] = -1;
    for (const b of next) this.probedIdx[b] = nextIdx[b]!;
    this.probedBucket = next;
    this.probedCount = counts;
    this.probedRows = rows;
    if (this.probePos.length < next.length) this.probePos = new Int32Array(next.length);
  }

  /**
   * Per-slot minimum pHash-domain distance to any of the query codes, best `k`; exact up to
   * `maxDistance` (multi-index hashing, once enabled) or over everything (flat scan).
   */
  nearestCodes(queries: Code64[], k: number, maxDistance = 64, forceFlat = false): CodeHit[] {
    const w = this.work;
    const t = w ? w.now() : 0;
    const out = this.codes.hasTables && !forceFlat ? this.codes.nearestMih(queries, k, Math.min(maxDistance, 7), this.slots, this.alive, w) : this.nearestFlat(queries, k, maxDistance);
    if (w) ((w.ms.hash += w.now() - t), w.counts.queries++, (w.counts.query_codes += queries.length));
    return out;
  }

  nearestFlat(queries: Code64[], k: number, maxDistance = 64): CodeHit[] {
    return this.codes.nearestFlat(queries, k, maxDistance, this.slots, this.alive);
  }

  /** Forces multi-index hashing on/off (benchmarks). */
  useMih(on: boolean) {
    if (on) this.codes.buildTables(this.slots, this.alive, this.bulk);
    else this.codes.dropTables();
  }

  dhashDistance(slot: number, q: Code64): number {
    return this.codes.dhashDistance(slot, q);
  }

  phashDomainDistance(slot: number, q: Code64): number {
    return this.codes.phashDomainDistance(slot, q);
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
    const probeIdx: number[] = [];
    const probeW: number[] = [];
    const scored: number[] = [];
    const weights: number[] = [];
    for (let c = 0; c < 3; c++) {
      for (let kk = 0; kk < HAAR_COEFS; kk++) {
        const v = q.coefs[c * HAAR_COEFS + kk]!;
        const w = HAAR_WEIGHTS[HAAR_BIN[Math.abs(v)]!]![c]!;
        const key = haarKey(c, v);
        maxW += w;
        if (this.isStop[key]) (stopKeys.push(this.stopIdx[key]!), stopW.push(w));
        else if (this.probedIdx[key]! >= 0) (probeIdx.push(this.probedIdx[key]!), probeW.push(w));
        else (scored.push(key), weights.push(w), (total += this.haar.count(key)));
      }
    }
    const scores = new Float32Array(Math.max(1, this.slots));
    const touched = new Uint32Array(total);
    let nTouched = 0;
    for (let i = 0; i < scored.length; i++) nTouched = this.haar.addWeight(scored[i]!, weights[i]!, scores, touched, nTouched);
    const out = { scores, touched, nTouched, maxW, stopKeys, stopW, probeIdx: Int32Array.from(probeIdx), probeW, epoch: this.epoch };
    this.memo.set(q.coefs, out);
    return out;
  }

  private exactHaar(slot: number, q: HaarQuery, m: HaarScores): number {
    let s = 0;
    for (let c = 0; c < 3; c++) s += HAAR_WEIGHTS[0]![c]! * Math.abs(q.dc[c]! - this.dc[slot * 3 + c]! / DC_SCALE);
    const acc = Float64Array.of(m.scores[slot]!);
    this.addProbed(m.probeIdx, m.probeW, Uint32Array.of(slot), acc);
    let matched = acc[0]!;
    const row = slot * this.stopStride;
    for (let i = 0; i < m.stopKeys.length; i++) {
      const si = m.stopKeys[i]!;
      if (this.stopRows[row + (si >> 3)]! & (1 << (si & 7))) matched += m.stopW[i]!;
    }
    return (s + m.maxW - matched) / m.maxW;
  }

  /**
   * iqdb-style candidate scoring of several query signatures at once (the variants of one query); per
   * query its best `k` by exact normalised distance (DC difference included; 0 = identical).
   *
   * A small index scores every slot exactly: the matched weight over the queries' buckets, its best by
   * weight, then their exact distance. A planned index (STOP_MIN_SIZE entries on) weighs slots over the
   * queries' rare buckets only: the stop buckets (bits of the stop rows) and the probed ones (skip
   * tables) hold most postings but say little about which slot it is. The PRESELECT best by that weight
   * get the stop bits and DC term added, and the RESCORE best of those a probe of each probed bucket.
   *
   * The scanned lists are decoded once (a bucket shared by queries too) and scored window by window of
   * WINDOW slots, so that the score writes stay in a cache-sized array instead of missing all over an
   * N-sized one; the best of a window are taken and its scores cleared while they are hot. The decoded
   * lists stay until the next call, for the exact distance of any other slot (batchHaarDistance).
   */
  nearestHaarMany(queries: readonly HaarQuery[], k: number): CodeHit[][] {
    const work = this.work;
    let t0 = work ? work.now() : 0;
    const nq = queries.length;
    // per key: the queries that have it (a key fixes channel and position, hence its weight)
    const keyQueries = new Map<number, number[]>();
    const keyWeight = new Map<number, number>();
    const maxW: number[] = [];
    const stopKeys: number[][] = [];
    const stopW: number[][] = [];
    const probeIdx: Int32Array[] = [];
    const probeW: number[][] = [];
    for (let qi = 0; qi < nq; qi++) {
      const q = queries[qi]!;
      let mw = 0;
      const sk: number[] = [];
      const sw: number[] = [];
      const pk: number[] = [];
      const pw: number[] = [];
      for (let c = 0; c < 3; c++) {
        for (let kk = 0; kk < HAAR_COEFS; kk++) {
          const v = q.coefs[c * HAAR_COEFS + kk]!;
          const w = HAAR_WEIGHTS[HAAR_BIN[Math.abs(v)]!]![c]!;
          const key = haarKey(c, v);
          mw += w;
          if (this.isStop[key]) (sk.push(this.stopIdx[key]!), sw.push(w));
          else if (this.probedIdx[key]! >= 0) (pk.push(this.probedIdx[key]!), pw.push(w));
          else if (this.haar.count(key) === 0) continue;
          else {
            const l = keyQueries.get(key);
            if (!l) (keyQueries.set(key, [qi]), keyWeight.set(key, w));
            else if (l.at(-1) !== qi) l.push(qi);
          }
        }
      }
      maxW.push(mw);
      stopKeys.push(sk);
      stopW.push(sw);
      probeIdx.push(Int32Array.from(pk));
      probeW.push(pw);
    }
    // the scanned lists, decoded into one array (list j: flat[from[j] .. from[j + 1]))
    const keys = [...keyQueries.keys()].sort((a, b) => a - b);
    const nl = keys.length;
    let total = 0;
    for (const key of keys) total += this.haar.count(key);
    if (this.flat.length < total) this.flat = new Uint32Array(Math.ceil(total * 1.25));
    const flat = this.flat;
    const from = new Uint32Array(nl + 1);
    const listW = new Float64Array(nl);
    const scanLists: number[][] = queries.map(() => []);
    for (let j = 0; j < nl; j++) {
      from[j + 1] = from[j]! + this.haar.decodeAll(keys[j]!, flat.subarray(from[j]!));
      listW[j] = keyWeight.get(keys[j]!)!;
      for (const qi of keyQueries.get(keys[j]!)!) scanLists[qi]!.push(j);
    }
    const stops = stopKeys.map((sk, qi) => new StopWeights(sk, stopW[qi]!));
    const exact = queries.map(() => new Map<number, number>());
    this.batch = {
      dc: queries.map((q) => q.dc),
      coefs: queries.map((q) => q.coefs),
      maxW,
      stops,
      probeIdx,
      probeW,
      scanLists,
      from,
      listW,
      exact,
      slots: this.slots,
      epoch: this.epoch,
    };
    const planned = this.plannedAt > 0;
    const m = planned ? Math.max(k * 16, PRESELECT) : Math.max(k * 4, 64);
    const lq = keys.map((key) => keyQueries.get(key)!);
    if (work) {
      const c = work.counts;
      c.haar_signatures += nq;
      c.haar_stop_keys += stopKeys.reduce((a, x) => a + x.length, 0);
      c.haar_probed_keys += probeIdx.reduce((a, x) => a + x.length, 0);
      c.haar_scanned_keys += lq.reduce((a, x) => a + x.length, 0);
      c.haar_scanned_lists += nl;
      c.haar_postings_decoded += from[nl]!;
      for (let j = 0; j < nl; j++) {
        const n = (from[j + 1]! - from[j]!) * lq[j]!.length;
        c.haar_postings_scored += n;
        work.postingsPerChannel[keys[j]! >> 15]! += n;
      }
      const t = work.now();
      work.ms.haar_plan += t - t0;
      t0 = t;
    }
    const best = this.windowedBest(nq, from, listW, lq, m, !planned);
    if (work) {
      const t = work.now();
      work.ms.haar_scan += t - t0;
      t0 = t;
      // the probes of the rescored best count apart
      work.ms.haar_rescore += work.ms.haar_probe;
    }
    const hits = queries.map((_, qi) => {
      const { slots: pre, weights } = best[qi]!;
      let order: Uint32Array;
      if (planned) order = this.rescore(qi, pre, weights, Math.max(k * 4, RESCORE));
      else {
        order = pre;
        for (let i = 0; i < pre.length; i++) exact[qi]!.set(pre[i]!, this.distanceFromMatched(pre[i]!, qi, weights[i]!));
      }
      const out = new TopK(k);
      for (let i = 0; i < order.length; i++) {
        const d = exact[qi]!.get(order[i]!)!;
        if (d < out.worst()) out.push(order[i]!, d);
      }
      return out.sorted();
    });
    if (work) work.ms.haar_rescore += work.now() - t0 - work.ms.haar_probe;
    return hits;
  }

  /**
   * Per query its `m` live slots of highest weight over its scanned lists (ties: the lower slot), best
   * first (`sorted`; else in any order), with their weights; a small index may not fill them with slots
   * that share a bucket, and slots of weight 0 follow in slot order. `lq[j]`: the queries that scan list j.
   */
  private windowedBest(
    nq: number,
    from: Uint32Array,
    listW: Float64Array,
    lq: number[][],
    m: number,
    sorted: boolean,
  ): { slots: Uint32Array; weights: Float64Array }[] {
    const nl = lq.length;
    const flat = this.flat;
    const alive = this.alive;
    const slots = this.slots;
    const ptr = from.slice(0, nl);
    while (this.win.length < nq) this.win.push({ sc: new Float32Array(WINDOW), hit: new Uint32Array(WINDOW) });
    const picks = Array.from({ length: nq }, () => new Picks(m));
    const nHit = new Int32Array(nq);
    for (let w0 = 0; w0 < slots; w0 += WINDOW) {
      const w1 = Math.min(slots, w0 + WINDOW);
      nHit.fill(0);
      for (let j = 0; j < nl; j++) {
        const p0 = ptr[j]!;
        const end = from[j + 1]!;
        if (p0 >= end || flat[p0]! >= w1) continue;
        const w = listW[j]!;
        let p = p0;
        for (const qi of lq[j]!) {
          const { sc, hit } = this.win[qi]!;
          let h = nHit[qi]!;
          for (p = p0; p < end; p++) {
            const s = flat[p]!;
            if (s >= w1) break;
            const o = s - w0;
            if (sc[o] === 0) hit[h++] = o;
            sc[o]! += w;
          }
          nHit[qi] = h;
        }
        ptr[j] = p;
      }
      for (let qi = 0; qi < nq; qi++) {
        const { sc, hit } = this.win[qi]!;
        const h = nHit[qi]!;
        const pk = picks[qi]!;
        let offers = 0;
        for (let i = 0; i < h; i++) {
          const o = hit[i]!;
          const x = sc[o]!;
          sc[o] = 0;
          if (pk.beats(w0 + o, x) && alive[w0 + o]) (pk.offer(w0 + o, x), offers++);
        }
        if (this.work) ((this.work.counts.haar_slots_touched += h), (this.work.counts.haar_offers += offers));
      }
    }
    return picks.map((pk) => {
      const out = pk.best(sorted);
      if (out.slots.length >= m) return out;
      // slots sharing no bucket with the query, in slot order
      const have = new Set(out.slots);
      const s2: number[] = [...out.slots];
      for (let s = 0; s < slots && s2.length < m; s++) if (alive[s] && !have.has(s)) s2.push(s);
      const w2 = new Float64Array(s2.length);
      w2.set(out.weights);
      return { slots: Uint32Array.from(s2), weights: w2 };
    });
  }

  /**
   * The `m` of `pre` nearest to query `qi` without their probed buckets (their scanned weights given),
   * with their exact distance, nearest first.
   */
  private rescore(qi: number, pre: Uint32Array, weights: Float64Array, m: number): Uint32Array {
    const n = pre.length;
    const rough = new Float64Array(n);
    this.touchRows(pre, n);
    for (let i = 0; i < n; i++) rough[i] = -this.distanceFromMatched(pre[i]!, qi, weights[i]!);
    // the m nearest (at the m-th distance, the lowest slots) by selection: their order does not matter here
    let pick: number[];
    if (n <= m) pick = Array.from({ length: n }, (_, i) => i);
    else {
      const cut = kthLargest(rough.slice(), n, m);
      pick = [];
      const tied: number[] = [];
      for (let i = 0; i < n; i++) {
        if (rough[i]! > cut) pick.push(i);
        else if (rough[i] === cut) tied.push(i);
      }
      tied.sort((x, y) => pre[x]! - pre[y]!);
      for (let i = 0; pick.length < m; i++) pick.push(tied[i]!);
    }
    const best = new Uint32Array(pick.length);
    const bestW = new Float64Array(pick.length);
    for (let x = 0; x < pick.length; x++) ((best[x] = pre[pick[x]!]!), (bestW[x] = weights[pick[x]!]!));
    if (this.work) this.work.counts.haar_rescored += n;
    this.probeExact(qi, best, bestW);
    const exact = this.batch!.exact[qi]!;
    const d = new Float64Array(best.length);
    for (let x = 0; x < best.length; x++) d[x] = exact.get(best[x]!)!;
    const order = Array.from(best.keys()).sort((x, y) => d[x]! - d[y]! || best[x]! - best[y]!);
    return Uint32Array.from(order, (i) => best[i]!);
  }

  /** A slot's weight over the scanned lists of query `qi` of the current batch (binary search in each). */
  private scannedWeight(slot: number, qi: number): number {
    const b = this.batch!;
    const flat = this.flat;
    let w = 0;
    for (const j of b.scanLists[qi]!) {
      let lo = b.from[j]!;
      let hi = b.from[j + 1]!;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (flat[mid]! < slot) lo = mid + 1;
        else hi = mid;
      }
      if (lo < b.from[j + 1]! && flat[lo] === slot) w += b.listW[j]!;
    }
    return w;
  }

  /** Exact distances of `slots` to query `qi` of the current batch, into its memo (`scanned`: their scanned weights, if known). */
  private probeExact(qi: number, slots: Uint32Array, scanned?: Float64Array): void {
    const t0 = this.work ? this.work.now() : 0;
    const b = this.batch!;
    // ascending slots (a typed sort of slot * 2^21 + position: exact below 2^53)
    const n = slots.length;
    const keyed = new Float64Array(n);
    for (let i = 0; i < n; i++) keyed[i] = slots[i]! * 2097152 + i;
    keyed.sort();
    const sorted = new Uint32Array(n);
    const acc = new Float64Array(n);
    for (let x = 0; x < n; x++) {
      const i = keyed[x]! % 2097152;
      sorted[x] = slots[i]!;
      acc[x] = scanned ? scanned[i]! : this.scannedWeight(slots[i]!, qi);
    }
    this.addProbed(b.probeIdx[qi]!, b.probeW[qi]!, sorted, acc);
    this.touchRows(sorted, sorted.length);
    for (let i = 0; i < sorted.length; i++) b.exact[qi]!.set(sorted[i]!, this.distanceFromMatched(sorted[i]!, qi, acc[i]!));
    if (this.work) ((this.work.ms.haar_probe += this.work.now() - t0), (this.work.counts.haar_probed_slots += slots.length));
  }

  /**
   * Adds to acc[i] the weight of each of the probed buckets `idx` (weights `w`) that slots[i] is in, in
   * the order of `idx`: one read of each slot's probed row.
   */
  private addProbed(idx: Int32Array, w: readonly number[], slots: Uint32Array, acc: Float64Array): void {
    const nk = idx.length;
    if (nk === 0) return;
    const pos = this.probePos;
    for (let j = 0; j < nk; j++) pos[idx[j]!] = j + 1;
    if (this.probeFlags.length <= nk) this.probeFlags = new Uint8Array(2 * nk + 1);
    // flag 0 takes the row's buckets the query lacks, so that the loop below has no branch on them
    const flags = this.probeFlags;
    const row = this.rowScratch;
    this.touchSink = this.probedRows.touch(slots, slots.length);
    for (let i = 0; i < slots.length; i++) {
      const n = this.probedRows.read(slots[i]!, row);
      for (let e = 0; e < n; e++) flags[pos[row[e]!]!] = 1;
      let a = acc[i]!;
      for (let j = 1; j <= nk; j++) if (flags[j]) ((a += w[j - 1]!), (flags[j] = 0));
      acc[i] = a;
    }
    for (let j = 0; j < nk; j++) pos[idx[j]!] = 0;
  }

  /**
   * Computes the exact distances of `slots` to every query of the last nearestHaarMany() call at once
   * (each slot's probed row read once for all its probed buckets), for batchHaarDistance() to read.
   */
  prepareDistances(slots: Iterable<number>): void {
    const b = this.batch;
    if (!b) return;
    const all = [...slots];
    for (let qi = 0; qi < b.exact.length; qi++) {
      const missing = all.filter((s) => !b.exact[qi]!.has(s));
      if (missing.length) this.probeExact(qi, Uint32Array.from(missing));
    }
  }

  /** One slot's exact distance to query `qi` of the last nearestHaarMany() call. */
  batchHaarDistance(slot: number, qi: number): number {
    const b = this.batch!;
    const known = b.exact[qi]!.get(slot);
    if (known !== undefined) return known;
    this.probeExact(qi, Uint32Array.of(slot));
    return b.exact[qi]!.get(slot)!;
  }

  /**
   * Reads the DC averages and stop row of each of `slots[0..n)` once, with no branch on what it reads,
   * before distanceFromMatched() goes through them: the cache misses of all the slots overlap, where
   * the long loop over one row's bytes would keep the next slot's reads from starting.
   */
  private touchRows(slots: Uint32Array, n: number): void {
    const rows = this.stopRows;
    const dc = this.dc;
    const last = this.stopStride - 1;
    if (last < 0) return;
    let touched = 0;
    for (let i = 0; i < n; i++) {
      const slot = slots[i]!;
      const row = slot * this.stopStride;
      touched ^= dc[slot * 3]! ^ rows[row]! ^ rows[row + last]!;
    }
    this.touchSink = touched;
  }

  /** The normalised distance of a slot from its matched weight over the scanned and probed buckets. */
  private distanceFromMatched(slot: number, qi: number, matched: number): number {
    const b = this.batch!;
    let s = 0;
    const dc = b.dc[qi]!;
    for (let c = 0; c < 3; c++) s += HAAR_WEIGHTS[0]![c]! * Math.abs(dc[c]! - this.dc[slot * 3 + c]! / DC_SCALE);
    matched += b.stops[qi]!.matched(this.stopRows, slot * this.stopStride);
    return (s + b.maxW[qi]! - matched) / b.maxW[qi]!;
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

  /** Bytes held by the index: typed arrays, posting lists, bitsets, ids (not the per-query scores). */
  memoryBytes(): { total: number; perEntry: number; parts: Record<string, number>; queryScratch: number } {
    const parts: Record<string, number> = {
      codes: this.codes.codeBytes(),
      dc_alive: this.dc.byteLength + this.alive.byteLength,
      ids: this.aIds.bytes() + this.cIds.bytes() + this.lookup.bytes(),
      haar_postings: this.haar.bytes(),
      haar_probed_rows: this.probedRows.bytes() + this.probedIdx.byteLength + this.probedCount.byteLength,
      haar_stop_bitsets: this.stopRows.byteLength,
      mih: this.codes.tableBytes(),
    };
    const total = Object.values(parts).reduce((a, b) => a + b, 0);
    // the score arrays of the last query, kept for the next one (one per query variant)
    const queryScratch = this.win.reduce((a, x) => a + x.sc.byteLength + x.hit.byteLength, this.flat.byteLength);
    return { total, perEntry: this.size ? total / this.size : 0, parts, queryScratch };
  }
}
