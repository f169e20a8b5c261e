/**
 * Many ascending lists of slot numbers in one byte arena: each value is stored as the varint of its gap
 * to the previous one (1–3 bytes instead of 4 for the index's crowded lists), so that a million
 * artworks' postings fit in a few tens of MB.
 *
 * Values are appended in increasing order only (the index never reuses a slot). New values go to a small
 * growable tail per list; `freeze()` concatenates every tail into one packed arena (gaps stay valid across
 * the seam) and can drop values at the same time (dead slots).
 */
/** A cursor's value once its list is read: above every slot. */
const CURSOR_END = 0x7fffffff;
export class PostingLists {
  private data = new Uint8Array(0);
  private readonly start: Uint32Array;
  private readonly len: Uint32Array;
  private readonly last: Int32Array;
  private readonly counts: Uint32Array;
  private tails: (Uint8Array | undefined)[];
  private readonly tailLen: Uint32Array;
  /** Bytes and lists currently in tails (what `freeze()` would fold in). */
  tailBytes = 0;
  tailLists = 0;
  /**
   * Bulk mode: appends go to one flat log instead of growing a small array per list (millions of them
   * while an index loads); the log is folded into the lists before anything reads them.
   */
  bulk = false;
  private pendL = new Uint32Array(0);
  private pendV = new Uint32Array(0);
  private pendN = 0;
  private beforePend: Int32Array; // per list: its last value before the log's entries (-2: none in the log)

  constructor(readonly size: number) {
    this.start = new Uint32Array(size);
    this.len = new Uint32Array(size);
    this.last = new Int32Array(size).fill(-1);
    this.counts = new Uint32Array(size);
    this.tails = new Array(size);
    this.tailLen = new Uint32Array(size);
    this.beforePend = new Int32Array(size).fill(-2);
  }

  /**
   * Builds packed lists in one go from (list, value) pairs given in ascending value order, without the
   * per-list tails of append() (a bulk build allocates no small arrays).
   */
  static fromPairs(size: number, lists: Uint32Array, values: Uint32Array, n: number): PostingLists {
    const p = new PostingLists(size);
    const order = new Uint32Array(n);
    const at = new Uint32Array(size + 1);
    for (let i = 0; i < n; i++) at[lists[i]! + 1]!++;
    for (let l = 0; l < size; l++) at[l + 1]! += at[l]!;
    // counting sort by list, stable: values stay ascending within each list
    const fill = at.slice(0, size);
    for (let i = 0; i < n; i++) order[fill[lists[i]!]!++] = i;
    const data = new Uint8Array(5 * n);
    let o = 0;
    for (let l = 0; l < size; l++) {
      p.start[l] = o;
      let prev = -1;
      for (let j = at[l]!; j < at[l + 1]!; j++) {
        const v = values[order[j]!]!;
        let gap = v - prev;
        if (gap <= 0) throw new Error(`posting ${v} is not above ${prev}`);
        prev = v;
        while (gap >= 0x80) ((data[o++] = (gap & 0x7f) | 0x80), (gap >>>= 7));
        data[o++] = gap;
      }
      p.len[l] = o - p.start[l]!;
      p.last[l] = prev;
      p.counts[l] = at[l + 1]! - at[l]!;
    }
    p.data = data.slice(0, o);
    return p;
  }

  /** Bytes of the packed arena (tails excluded). */
  get packedBytes(): number {
    return this.data.byteLength;
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
      if (this.beforePend[list] === -2) this.beforePend[list] = prev;
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
    let t = this.tails[list];
    let n = this.tailLen[list]!;
    if (!t) ((t = this.tails[list] = new Uint8Array(8)), this.tailLists++, (this.tailBytes += 8));
    else if (n + 5 > t.length) {
      const g = new Uint8Array(Math.ceil(t.length * 1.5) + 8);
      g.set(t.subarray(0, n));
      this.tailBytes += g.length - t.length;
      this.tails[list] = t = g;
    }
    while (gap >= 0x80) {
      t[n++] = (gap & 0x7f) | 0x80;
      gap >>>= 7;
    }
    t[n++] = gap;
    this.tailLen[list] = n;
  }

  /** Empties a list (its bytes are reclaimed by the next freeze). */
  clear(list: number): void {
    if (this.pendN) this.freeze();
    this.len[list] = 0;
    this.last[list] = -1;
    this.counts[list] = 0;
    const t = this.tails[list];
    if (t) ((this.tailBytes -= t.length), (this.tails[list] = undefined), this.tailLists--);
    this.tailLen[list] = 0;
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
    const t = this.tails[list];
    if (t) scan(t, 0, this.tailLen[list]!);
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
    for (let part = 0; part < 2; part++) {
      const buf = part === 0 ? this.data : this.tails[list];
      if (!buf) break;
      const from = part === 0 ? this.start[list]! : 0;
      const to = part === 0 ? from + this.len[list]! : this.tailLen[list]!;
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

  /**
   * Puts cursor `c` at the list's first value. A cursor is three parallel arrays: the byte position after
   * its next value, that value (CURSOR_END once the list is read), and the part it is in (0 arena, 1 tail).
   */
  startCursor(list: number, c: number, pos: Uint32Array, val: Int32Array, part: Uint8Array): void {
    if (this.pendN) this.freeze();
    pos[c] = this.start[list]!;
    val[c] = -1;
    part[c] = 0;
    this.advance(list, c, pos, val, part);
  }

  /** Decodes the cursor's next value (the slow path: a multi-byte gap or the end of a part). */
  private advance(list: number, c: number, pos: Uint32Array, val: Int32Array, part: Uint8Array): void {
    let i = pos[c]!;
    for (let p = part[c]!; p < 2; p++, i = 0) {
      const buf = p === 0 ? this.data : this.tails[list];
      const to = p === 0 ? this.start[list]! + this.len[list]! : this.tailLen[list]!;
      if (!buf || i >= to) continue;
      let b = buf[i++]!;
      let gap = b & 0x7f;
      for (let shift = 7; b & 0x80; shift += 7) ((b = buf[i++]!), (gap |= (b & 0x7f) << shift));
      pos[c] = i;
      val[c]! += gap;
      part[c] = p;
      return;
    }
    val[c] = CURSOR_END;
    part[c] = 2;
  }

  /**
   * Decodes the list's values below `end` from cursor `c` into `out` (ascending), leaving the cursor on
   * the first value at or past `end`; returns how many. Scanning a long list window by window keeps the
   * caller's writes inside one cache-sized range of slots.
   */
  decodeBelow(list: number, c: number, pos: Uint32Array, val: Int32Array, part: Uint8Array, end: number, out: Uint32Array): number {
    let v = val[c]!;
    if (v >= end) return 0;
    let n = 0;
    const p = part[c]!;
    const buf = p === 0 ? this.data : this.tails[list]!;
    const to = p === 0 ? this.start[list]! + this.len[list]! : this.tailLen[list]!;
    let i = pos[c]!;
    while (v < end) {
      out[n++] = v;
      const b = i < to ? buf[i]! : 0x80;
      if (b < 0x80) ((v += b), i++);
      else {
        // a long gap or the end of the part
        pos[c] = i;
        val[c] = v;
        this.advance(list, c, pos, val, part);
        if (part[c] !== p) return n + this.decodeBelow(list, c, pos, val, part, end, out.subarray(n));
        v = val[c]!;
        i = pos[c]!;
      }
    }
    pos[c] = i;
    val[c] = v;
    return n;
  }

  /** decodeBelow() that adds `w` to scores[v] for each value v instead of listing it (one query scores the list). */
  addBelow(list: number, c: number, pos: Uint32Array, val: Int32Array, part: Uint8Array, end: number, scores: Float32Array, w: number): void {
    let v = val[c]!;
    if (v >= end) return;
    const p = part[c]!;
    const buf = p === 0 ? this.data : this.tails[list]!;
    const to = p === 0 ? this.start[list]! + this.len[list]! : this.tailLen[list]!;
    let i = pos[c]!;
    while (v < end) {
      scores[v]! += w;
      const b = i < to ? buf[i]! : 0x80;
      if (b < 0x80) ((v += b), i++);
      else {
        pos[c] = i;
        val[c] = v;
        this.advance(list, c, pos, val, part);
        if (part[c] !== p) return this.addBelow(list, c, pos, val, part, end, scores, w);
        v = val[c]!;
        i = pos[c]!;
      }
    }
    pos[c] = i;
    val[c] = v;
  }

  /** Every value of the list into `out` (at least count(list) long); returns how many. */
  decodeAll(list: number, out: Uint32Array): number {
    if (this.pendN) this.freeze();
    let v = -1;
    let n = 0;
    for (let p = 0; p < 2; p++) {
      const buf = p === 0 ? this.data : this.tails[list];
      if (!buf) break;
      const from = p === 0 ? this.start[list]! : 0;
      const to = p === 0 ? from + this.len[list]! : this.tailLen[list]!;
      for (let i = from; i < to; ) {
        let b = buf[i++]!;
        let gap = b & 0x7f;
        for (let shift = 7; b & 0x80; shift += 7) ((b = buf[i++]!), (gap |= (b & 0x7f) << shift));
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
    const at = new Uint32Array(n ? this.size + 1 : 0);
    const order = new Uint32Array(n);
    let total = 0;
    if (n) {
      for (let i = 0; i < n; i++) at[this.pendL[i]! + 1]!++;
      for (let l = 0; l < this.size; l++) at[l + 1]! += at[l]!;
      const fill = at.slice(0, this.size);
      for (let i = 0; i < n; i++) order[fill[this.pendL[i]!]!++] = i;
      for (let l = 0; l < this.size; l++) {
        let prev = this.beforePend[l]!;
        for (let j = at[l]!; j < at[l + 1]!; j++) {
          const v = this.pendV[order[j]!]!;
          const gap = v - prev;
          prev = v;
          total += gap < 0x80 ? 1 : gap < 0x4000 ? 2 : gap < 0x200000 ? 3 : gap < 0x10000000 ? 4 : 5;
        }
      }
    }
    for (let l = 0; l < this.size; l++) total += this.len[l]! + this.tailLen[l]!;
    const out = new Uint8Array(total);
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
        const t = this.tails[l];
        if (t) (flush(), out.set(t.subarray(0, this.tailLen[l]!), o), (o += this.tailLen[l]!));
        if (n && at[l + 1]! > at[l]!) {
          flush();
          let prev = this.beforePend[l]!;
          for (let j = at[l]!; j < at[l + 1]!; j++) {
            const v = this.pendV[order[j]!]!;
            let gap = v - prev;
            prev = v;
            while (gap >= 0x80) ((out[o++] = (gap & 0x7f) | 0x80), (gap >>>= 7));
            out[o++] = gap;
          }
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
        this.last[l] = prev;
      }
      this.start[l] = from;
      this.len[l] = o - from;
    }
    flush();
    this.data = o === total ? out : out.slice(0, o);
    this.tails = new Array(this.size);
    this.tailLen.fill(0);
    this.tailBytes = 0;
    this.tailLists = 0;
    if (n) {
      this.pendL = new Uint32Array(0);
      this.pendV = new Uint32Array(0);
      this.pendN = 0;
      this.beforePend.fill(-2);
    }
  }

  /** Bytes held: the arena, the tails and the per-list bookkeeping. */
  bytes(): number {
    return this.data.byteLength + this.tailBytes + this.tailLists * 96 + this.pendL.byteLength * 2 + this.size * (4 * 6 + 8);
  }
}
