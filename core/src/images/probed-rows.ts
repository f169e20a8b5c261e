/**
 * Per slot, the probed Haar buckets it is in (search-index.ts): the common buckets below the stop
 * buckets, which a query never scans and only asks about for a few candidates.
 *
 * A slot's row is its ascending bucket numbers (0..probed buckets - 1) as gap varints, rows back to back
 * in slot order. A candidate's membership in all of a query's probed buckets is then one short
 * sequential read of its row, where a posting list per bucket would cost a walk, and a cache miss, per
 * bucket and candidate. Rows are appended in slot order only (the index never reuses a slot).
 */
export class ProbedRows {
  private data = new Uint8Array(1024);
  private used = 0;
  // row s is data[at[s] .. at[s + 1])
  private at = new Uint32Array(1024);
  private n = 0;

  /** Rows held (one per slot from 0). */
  get rows(): number {
    return this.n;
  }

  /** Appends the next slot's row: `count` ascending bucket numbers of `buckets`. */
  push(buckets: ArrayLike<number>, count: number): void {
    if (this.used + 5 * count + 1 > this.data.length) {
      const g = new Uint8Array(Math.max(this.data.length * 2, this.used + 5 * count));
      g.set(this.data.subarray(0, this.used));
      this.data = g;
    }
    if (this.n + 2 > this.at.length) {
      const g = new Uint32Array(this.at.length * 2);
      g.set(this.at);
      this.at = g;
    }
    const d = this.data;
    let o = this.used;
    let prev = -1;
    for (let i = 0; i < count; i++) {
      const b = buckets[i]!;
      let gap = b - prev;
      if (gap <= 0) throw new Error(`probed bucket ${b} is not above ${prev}`);
      prev = b;
      while (gap >= 0x80) ((d[o++] = (gap & 0x7f) | 0x80), (gap >>>= 7));
      d[o++] = gap;
    }
    this.used = o;
    this.at[++this.n] = o;
  }

  /** A row's bucket numbers into `out` (room for as many as a slot has coefficients); returns how many. */
  read(slot: number, out: Int32Array): number {
    const d = this.data;
    let i = this.at[slot]!;
    const to = this.at[slot + 1]!;
    let v = -1;
    let n = 0;
    while (i < to) {
      let b = d[i++]!;
      if (b < 0x80) {
        v += b;
        out[n++] = v;
        continue;
      }
      let gap = b & 0x7f;
      for (let shift = 7; b & 0x80; shift += 7) ((b = d[i++]!), (gap |= (b & 0x7f) << shift));
      v += gap;
      out[n++] = v;
    }
    return n;
  }

  /**
   * Reads the offsets, then the first byte, of each of `slots[0..n)`'s rows, with no branch on what it
   * reads: their cache misses overlap instead of coming one row at a time in read(). Returns what it read
   * (callers keep it so that the reads are not optimised away).
   */
  touch(slots: Uint32Array, n: number): number {
    const at = this.at;
    let x = 0;
    for (let i = 0; i < n; i++) x ^= at[slots[i]!]!;
    // an empty last row starts at the end of the data: one byte of slack is always kept after it
    const d = this.data;
    for (let i = 0; i < n; i++) x ^= d[at[slots[i]!]!]!;
    return x;
  }

  /** Drops the growth slack (after a bulk load). */
  trim(): void {
    this.data = this.data.slice(0, this.used + 1);
    this.at = this.at.slice(0, this.n + 1);
  }

  bytes(): number {
    return this.data.byteLength + this.at.byteLength;
  }
}
