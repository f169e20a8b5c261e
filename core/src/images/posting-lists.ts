/**
 * Many ascending lists of slot numbers in one byte arena: each value is stored as the varint of its gap
 * to the previous one (1–3 bytes instead of 4 for the index's crowded lists), so that a million
 * artworks' postings fit in a few tens of MB.
 *
 * Values are appended in increasing order only (the index never reuses a slot). New values go to a small
 * growable tail per list; `freeze()` concatenates every tail into one packed arena (gaps stay valid across
 * the seam) and can drop values at the same time (dead slots).
 */

/** A list's values appended since the last freeze, encoded after `base` (the list's last packed value). */
interface Tail {
  bytes: Uint8Array;
  n: number;
  base: number;
}

/** Zero bytes after the packed arena: decodeAll() reads two bytes past a value without a bounds branch. */
const PAD = 2;

export class PostingLists {
  private data = new Uint8Array(PAD);
  private readonly start: Uint32Array;
  private readonly len: Uint32Array;
  private readonly last: Int32Array;
  // per list: its last value outside the bulk log (packed or in its tail), where the log's gaps start
  private readonly folded: Int32Array;
  private readonly counts: Uint32Array;
  // few lists have a tail at any time (a frozen index has none): a map, not a slot per list
  private tails = new Map<number, Tail>();
  /** Bytes currently in tails (what `freeze()` would fold in). */
  tailBytes = 0;
  /**
   * Bulk mode: appends go to one flat log instead of growing a small array per list (millions of them
   * while an index loads); the log is folded into the lists before anything reads them.
   */
  bulk = false;
  private pendL = new Uint32Array(0);
  private pendV = new Uint32Array(0);
  private pendN = 0;

  constructor(readonly size: number) {
    this.start = new Uint32Array(size);
    this.len = new Uint32Array(size);
    this.last = new Int32Array(size).fill(-1);
    this.folded = new Int32Array(size).fill(-1);
    this.counts = new Uint32Array(size);
  }

  /** Bytes of the packed arena (tails excluded). */
  get packedBytes(): number {
    return this.data.byteLength - PAD;
  }

  count(list: number): number {
    return this.counts[list]!;
  }

  /** Bytes waiting in the bulk log. */
  get pendingBytes(): number {
    return this.pendN * 8;
  }

  append(list: number, value: number): void {
    const prev = this.last[list]!;
    let gap = value - prev;
    if (gap <= 0) throw new Error(`posting ${value} is not above ${prev}`);
    this.last[list] = value;
    this.counts[list]!++;
    if (this.bulk) {
      if (this.pendN === this.pendL.length) {
        const cap = Math.max(1024, this.pendL.length * 2);
        const l = new Uint32Array(cap);
        l.set(this.pendL);
        const v = new Uint32Array(cap);
        v.set(this.pendV);
        ((this.pendL = l), (this.pendV = v));
      }
      this.pendL[this.pendN] = list;
      this.pendV[this.pendN++] = value;
      return;
    }
    if (this.pendN) this.freeze();
    this.folded[list] = value;
    let t = this.tails.get(list);
    if (!t) {
      t = { bytes: new Uint8Array(8), n: 0, base: prev };
      this.tails.set(list, t);
      this.tailBytes += 8;
    } else if (t.n + 5 > t.bytes.length) {
      const g = new Uint8Array(Math.ceil(t.bytes.length * 1.5) + 8);
      g.set(t.bytes.subarray(0, t.n));
      this.tailBytes += g.length - t.bytes.length;
      t.bytes = g;
    }
    const b = t.bytes;
    let n = t.n;
    while (gap >= 0x80) {
      b[n++] = (gap & 0x7f) | 0x80;
      gap >>>= 7;
    }
    b[n++] = gap;
    t.n = n;
  }

  /** Empties a list (its bytes are reclaimed by the next freeze). */
  clear(list: number): void {
    if (this.pendN) this.freeze();
    this.len[list] = 0;
    this.last[list] = -1;
    this.folded[list] = -1;
    this.counts[list] = 0;
    const t = this.tails.get(list);
    if (t) ((this.tailBytes -= t.bytes.length), this.tails.delete(list));
  }

  /** Calls fn with every value of the list, ascending. */
  forEach(list: number, fn: (value: number) => void): void {
    if (this.pendN) this.freeze();
    let v = -1;
    const scan = (buf: Uint8Array, from: number, to: number) => {
      for (let i = from; i < to; ) {
        let b = buf[i++]!;
        let gap = b & 0x7f;
        for (let shift = 7; b & 0x80; shift += 7) ((b = buf[i++]!), (gap |= (b & 0x7f) << shift));
        v += gap;
        fn(v);
      }
    };
    scan(this.data, this.start[list]!, this.start[list]! + this.len[list]!);
    const t = this.tails.get(list);
    if (t) ((v = t.base), scan(t.bytes, 0, t.n));
  }

  /**
   * Adds `w` to scores[v] for every value v of the list, and records in `touched` the values whose score
   * was 0 before (so that callers visit and reset only those). Returns the new touched count.
   */
  addWeight(list: number, w: number, scores: Float32Array, touched: Uint32Array, nTouched: number): number {
    if (this.pendN) this.freeze();
    // the varint walk is decodeAll's, inlined: this is the query's hot loop, where a callback per value would cost a call per posting
    let v = -1;
    let nt = nTouched;
    const t = this.tails.get(list);
    for (let part = 0; part < 2; part++) {
      const buf = part === 0 ? this.data : t?.bytes;
      if (!buf) break;
      const from = part === 0 ? this.start[list]! : 0;
      const to = part === 0 ? from + this.len[list]! : t!.n;
      if (part === 1) v = t!.base;
      for (let i = from; i < to; ) {
        let b = buf[i++]!;
        let gap = b & 0x7f;
        for (let shift = 7; b & 0x80; shift += 7) ((b = buf[i++]!), (gap |= (b & 0x7f) << shift));
        v += gap;
        if (scores[v] === 0) touched[nt++] = v;
        scores[v]! += w;
      }
    }
    return nt;
  }

  /** Every value of the list into `out` (at least count(list) long); returns how many. */
  decodeAll(list: number, out: Uint32Array): number {
    if (this.pendN) this.freeze();
    let v = -1;
    let n = 0;
    // the packed part: gaps of one to three bytes (the lists a query scans mix one- and two-byte gaps
    // unpredictably) are decoded without a branch on their length, the rare longer ones by the loop
    const d = this.data;
    for (let i = this.start[list]!, to = i + this.len[list]!; i < to; ) {
      const b0 = d[i]!;
      const b1 = d[i + 1]!;
      const b2 = d[i + 2]!;
      const c0 = b0 >>> 7;
      const c1 = c0 & (b1 >>> 7);
      if (c1 & (b2 >>> 7)) {
        let b = d[i++]!;
        let gap = b & 0x7f;
        for (let shift = 7; b & 0x80; shift += 7) ((b = d[i++]!), (gap |= (b & 0x7f) << shift));
        v += gap;
      } else {
        v += (b0 & 0x7f) | ((b1 & 0x7f) << 7 & -c0) | ((b2 & 0x7f) << 14 & -c1);
        i += 1 + c0 + c1;
      }
      out[n++] = v;
    }
    const t = this.tails.get(list);
    if (t) {
      v = t.base;
      const tb = t.bytes;
      for (let i = 0; i < t.n; ) {
        let b = tb[i++]!;
        let gap = b & 0x7f;
        for (let shift = 7; b & 0x80; shift += 7) ((b = tb[i++]!), (gap |= (b & 0x7f) << shift));
        v += gap;
        out[n++] = v;
      }
    }
    return n;
  }

  /**
   * Folds every tail into one packed arena. With `keep`, values it rejects are dropped (and the counts
   * follow), which re-encodes every list; without, the bytes are copied as they are.
   */
  freeze(keep?: (value: number) => boolean): void {
    // the bulk log goes straight into the arena (sorted by list, stable); dropping values reads it packed
    if (keep && this.pendN) this.freeze();
    const n = this.pendN;
    const before = this.folded;
    const at = new Uint32Array(n ? this.size + 1 : 0);
    // the log's values grouped by list (a counting sort, stable: ascending within each list), scattered
    // straight into place: one random write per posting, then sequential reads only
    const sorted = new Uint32Array(n);
    let total = 0;
    if (n) {
      const lists = this.pendL;
      const values = this.pendV;
      for (let i = 0; i < n; i++) at[lists[i]! + 1]!++;
      for (let l = 0; l < this.size; l++) at[l + 1]! += at[l]!;
      const fill = at.slice(0, this.size);
      for (let i = 0; i < n; i++) sorted[fill[lists[i]!]!++] = values[i]!;
      for (let l = 0; l < this.size; l++) {
        let prev = before[l]!;
        for (let j = at[l]!, to = at[l + 1]!; j < to; j++) {
          const v = sorted[j]!;
          const gap = v - prev;
          prev = v;
          total += gap < 0x80 ? 1 : gap < 0x4000 ? 2 : gap < 0x200000 ? 3 : gap < 0x10000000 ? 4 : 5;
        }
      }
    }
    for (let l = 0; l < this.size; l++) total += this.len[l]!;
    for (const t of this.tails.values()) total += t.n;
    const out = new Uint8Array(total + PAD);
    let o = 0;
    // without `keep`, runs of packed lists without a tail are copied in one piece
    let runFrom = 0;
    let runTo = 0;
    let runAt = 0;
    const flush = () => {
      if (runTo > runFrom) out.set(this.data.subarray(runFrom, runTo), runAt);
      runFrom = runTo = 0;
    };
    for (let l = 0; l < this.size; l++) {
      const from = o;
      if (!keep) {
        const st = this.start[l]!;
        const ln = this.len[l]!;
        if (ln > 0) {
          if (runTo !== st || runTo === runFrom) (flush(), (runFrom = runTo = st), (runAt = o));
          runTo += ln;
          o += ln;
        }
        const t = this.tails.get(l);
        if (t) (flush(), out.set(t.bytes.subarray(0, t.n), o), (o += t.n));
        if (n && at[l + 1]! > at[l]!) {
          flush();
          let prev = before[l]!;
          for (let j = at[l]!, to = at[l + 1]!; j < to; j++) {
            const v = sorted[j]!;
            let gap = v - prev;
            prev = v;
            while (gap >= 0x80) ((out[o++] = (gap & 0x7f) | 0x80), (gap >>>= 7));
            out[o++] = gap;
          }
          this.folded[l] = prev;
        }
      } else {
        let prev = -1;
        let n = 0;
        this.forEach(l, (v) => {
          if (!keep(v)) return;
          let gap = v - prev;
          prev = v;
          n++;
          while (gap >= 0x80) ((out[o++] = (gap & 0x7f) | 0x80), (gap >>>= 7));
          out[o++] = gap;
        });
        this.counts[l] = n;
        this.last[l] = this.folded[l] = prev;
      }
      this.start[l] = from;
      this.len[l] = o - from;
    }
    flush();
    this.data = o === total ? out : out.slice(0, o + PAD);
    this.tails = new Map();
    this.tailBytes = 0;
    if (n) {
      this.pendL = new Uint32Array(0);
      this.pendV = new Uint32Array(0);
      this.pendN = 0;
    }
  }

  /** Bytes held: the arena, the tails and the per-list bookkeeping. */
  bytes(): number {
    let tails = this.tailBytes;
    tails += this.tails.size * 64; // a tail's object and map entry
    const log = this.pendL.byteLength * 2;
    return this.data.byteLength + tails + log + this.size * 5 * 4;
  }
}
