/**
 * Multi-index hashing tables over 3 wide substrings of 64-bit codes: bits 63–43 (21), 42–22 (21) and
 * 21–0 (22) of hi:lo. A code within Hamming distance 7 of a query is, by the pigeonhole, within 2 bits of
 * it in one of the first two substrings or within 1 bit in the third (3 + 3 + 2 > 7), so probing 232,
 * 232 and 23 buckets per query code finds every such code. At a million artworks (8M codes) a bucket of
 * a 21-bit table holds about 4 slots, where one of 16 bits held about 120: a query reads a quarter of the
 * slots that 4 tables of 16 bits gave it, each a random place in the code array.
 *
 * A table is packed when built (bucket counts, and every slot number in as many bits as the largest
 * needs); slots added afterwards wait in a small map per table until they grow past an eighth of the
 * packed ones, and are then folded in (amortised linear).
 */

/** Bit length of each substring; the first starts at bit 63. */
export const SUB_BITS = [21, 21, 22] as const;
/** Probe radius per substring: 3 + 3 + 2 > 7. */
export const SUB_RADIUS = [2, 2, 1] as const;
/** Buckets per count block: a bucket's start is its block's start plus up to 15 counts before it. */
const BLOCK = 16;
/** A bucket count of 255 or more is kept in `over` (a crowd of identical codes, such as blank pictures). */
const BIG = 255;

/** Substring t of the code hi:lo. */
export function substring(t: number, hi: number, lo: number): number {
  return t === 0 ? hi >>> 11 : t === 1 ? ((hi & 0x7ff) << 10) | (lo >>> 22) : lo & 0x3fffff;
}

class PackedTable {
  readonly nb: number;
  counts: Uint8Array;
  over = new Map<number, number>();
  blockStart: Uint32Array;
  words = new Uint32Array(1);
  width = 1;
  n = 0;
  // slots added since the build, per bucket
  tail = new Map<number, number[]>();

  constructor(readonly bits: number) {
    this.nb = 1 << bits;
    this.counts = new Uint8Array(this.nb);
    this.blockStart = new Uint32Array(this.nb / BLOCK + 1);
  }

  count(b: number): number {
    const c = this.counts[b]!;
    return c < BIG ? c : this.over.get(b)!;
  }

  /** The first posting of bucket b. */
  start(b: number): number {
    let p = this.blockStart[b >>> 4]!;
    for (let i = b & ~(BLOCK - 1); i < b; i++) {
      const c = this.counts[i]!;
      p += c < BIG ? c : this.over.get(i)!;
    }
    return p;
  }

  /** Posting p (a slot number). */
  at(p: number): number {
    // bit positions pass 2^32 past ~130M postings of 32 bits: divided, not shifted
    const bit = p * this.width;
    const w = Math.floor(bit / 32);
    const sh = bit - w * 32;
    const v = (this.words[w]! >>> sh) | ((this.words[w + 1]! << (31 - sh)) << 1);
    return this.width === 32 ? v >>> 0 : v & ((1 << this.width) - 1);
  }

  bytes(): number {
    let tail = 0;
    for (const l of this.tail.values()) tail += 16 + 8 * l.length;
    return this.counts.byteLength + this.blockStart.byteLength + this.words.byteLength + this.over.size * 16 + tail;
  }
}

export class SubstringTables {
  private tables = SUB_BITS.map((b) => new PackedTable(b));
  private tailN = 0;
  /** Slots added while stale are not in the tables: the next read builds them (a bulk load builds once). */
  stale = false;
  private readonly keyScratch = new Int32Array(8);

  /** Packs every table from the live slots' codes (`codes`: 8 pHash-domain codes per slot, 8 high words then 8 low). */
  build(codes: Uint32Array, slots: number, alive: Uint8Array): void {
    const width = widthFor(slots);
    const keys = this.keyScratch;
    this.tables = SUB_BITS.map((bits, t) => {
      const table = new PackedTable(bits);
      const at = new Uint32Array(table.nb + 1);
      for (let s = 0; s < slots; s++) {
        if (!alive[s]) continue;
        const m = distinctKeys(codes, s, t, keys);
        for (let i = 0; i < m; i++) at[keys[i]! + 1]!++;
      }
      for (let b = 0; b < table.nb; b++) {
        const c = at[b + 1]!;
        table.counts[b] = Math.min(c, BIG);
        if (c >= BIG) table.over.set(b, c);
        if ((b & (BLOCK - 1)) === 0) table.blockStart[b >>> 4] = at[b]!;
        at[b + 1]! += at[b]!;
      }
      table.n = at[table.nb]!;
      table.blockStart[table.nb / BLOCK] = table.n;
      table.width = width;
      // one spare word: at() reads the word after a value's first
      const words = new Uint32Array(Math.ceil((table.n * width) / 32) + 1);
      const fill = at.subarray(0, table.nb);
      for (let s = 0; s < slots; s++) {
        if (!alive[s]) continue;
        const m = distinctKeys(codes, s, t, keys);
        for (let i = 0; i < m; i++) {
          const bit = fill[keys[i]!]!++ * width;
          const w = Math.floor(bit / 32);
          const sh = bit - w * 32;
          words[w]! |= s << sh;
          if (sh + width > 32) words[w + 1]! |= s >>> (32 - sh);
        }
      }
      table.words = words;
      return table;
    });
    this.tailN = 0;
    this.stale = false;
  }

  /**
   * Folds the tails into the packed tables and drops dead slots: one pass in bucket order over what is
   * packed, without reading any code (at 1M, ~0.8 s where a build from the codes, which scatters every
   * posting, takes ~3 s).
   */
  fold(slots: number, alive: Uint8Array): void {
    const width = widthFor(slots);
    this.tables = this.tables.map((old) => {
      const table = new PackedTable(old.bits);
      const tailKeys = Int32Array.from(old.tail.keys()).sort();
      let total = old.n;
      for (const l of old.tail.values()) total += l.length;
      const vals = new Uint32Array(total);
      let n = 0;
      let p = 0;
      let tk = 0;
      for (let b = 0; b < table.nb; b++) {
        const n0 = n;
        if ((b & (BLOCK - 1)) === 0) table.blockStart[b >>> 4] = n0;
        for (const e = p + old.count(b); p < e; p++) {
          const s = old.at(p);
          if (alive[s]) vals[n++] = s;
        }
        if (tk < tailKeys.length && tailKeys[tk] === b) {
          for (const s of old.tail.get(b)!) if (alive[s]) vals[n++] = s;
          tk++;
        }
        const c = n - n0;
        table.counts[b] = Math.min(c, BIG);
        if (c >= BIG) table.over.set(b, c);
      }
      table.n = n;
      table.blockStart[table.nb / BLOCK] = n;
      table.width = width;
      const words = new Uint32Array(Math.ceil((n * width) / 32) + 1);
      for (let i = 0; i < n; i++) {
        const bit = i * width;
        const w = Math.floor(bit / 32);
        const sh = bit - w * 32;
        words[w]! |= vals[i]! << sh;
        if (sh + width > 32) words[w + 1]! |= vals[i]! >>> (32 - sh);
      }
      table.words = words;
      return table;
    });
    this.tailN = 0;
  }

  /** Adds a slot's codes; returns whether the tables are due a fold (their tails have grown). */
  add(codes: Uint32Array, slot: number): boolean {
    if (this.stale) return false;
    const keys = this.keyScratch;
    for (let t = 0; t < 3; t++) {
      const table = this.tables[t]!;
      const m = distinctKeys(codes, slot, t, keys);
      for (let i = 0; i < m; i++) {
        const l = table.tail.get(keys[i]!);
        if (l) l.push(slot);
        else table.tail.set(keys[i]!, [slot]);
      }
      this.tailN += m;
    }
    return this.tailN > Math.max(65536, this.tables[0]!.n / 8);
  }

  /**
   * The slots of every bucket within its table's radius of each query code, into `out.slots`, with what
   * found each (`out.tags`: query * 4 + table; `out.keys`: the bucket); returns how many.
   */
  collect(qh: Uint32Array, ql: Uint32Array, out: Collected): number {
    let n = 0;
    const buckets = out.buckets;
    let nb = 0;
    // every probed bucket first, then one read of each bucket's count, with no branch on what it reads: the
    // cache misses of the directory overlap
    for (let qi = 0; qi < qh.length; qi++) {
      for (let t = 0; t < 3; t++) {
        const key = substring(t, qh[qi]!, ql[qi]!);
        const bits = SUB_BITS[t]!;
        const tag = qi * 4 + t;
        buckets.push(tag);
        buckets.push(key);
        nb++;
        for (let a = 0; a < bits; a++) {
          const ka = key ^ (1 << a);
          buckets.push(tag);
          buckets.push(ka);
          nb++;
          if (SUB_RADIUS[t] === 2) for (let b = a + 1; b < bits; b++) (buckets.push(tag), buckets.push(ka ^ (1 << b)), nb++);
        }
      }
    }
    // each pass reads, with no branch on what it reads, what the next one needs: the directory's counts
    // and block starts, then the first word of each bucket's slots (their cache misses overlap)
    const b = buckets.a;
    const tables = this.tables;
    let touched = 0;
    for (let i = 0; i < nb; i++) {
      const table = tables[b[2 * i]! & 3]!;
      const key = b[2 * i + 1]!;
      touched ^= table.counts[key]! ^ table.blockStart[key >>> 4]!;
    }
    const starts = out.starts;
    starts.clear();
    for (let i = 0; i < nb; i++) {
      const table = tables[b[2 * i]! & 3]!;
      const key = b[2 * i + 1]!;
      const c = table.count(key);
      starts.push(c > 0 ? table.start(key) : 0);
      starts.push(c);
    }
    const st = starts.a;
    for (let i = 0; i < nb; i++) {
      const table = tables[b[2 * i]! & 3]!;
      touched ^= table.words[Math.floor((st[2 * i]! * table.width) / 32)]!;
    }
    out.sink = touched;
    for (let i = 0; i < nb; i++) {
      const tag = b[2 * i]!;
      const key = b[2 * i + 1]!;
      const table = tables[tag & 3]!;
      const p0 = st[2 * i]!;
      const c = st[2 * i + 1]!;
      for (let p = p0; p < p0 + c; p++) (out.slots.push(table.at(p)), out.tags.push(tag), out.keys.push(key), n++);
      const tail = table.tail.size ? table.tail.get(key) : undefined;
      if (tail) for (const s of tail) (out.slots.push(s), out.tags.push(tag), out.keys.push(key), n++);
    }
    buckets.clear();
    out.probed = nb;
    return n;
  }

  bytes(): number {
    return this.tables.reduce((a, t) => a + t.bytes(), 0);
  }
}

/** A growable Int32 list (no per-query allocation once grown). */
export class IntList {
  a = new Int32Array(1024);
  n = 0;
  push(x: number): void {
    if (this.n === this.a.length) {
      const g = new Int32Array(this.a.length * 2);
      g.set(this.a);
      this.a = g;
    }
    this.a[this.n++] = x;
  }
  at(i: number): number {
    return this.a[i]!;
  }
  clear(): void {
    this.n = 0;
  }
}

/** What collect() gathers. */
export class Collected {
  readonly buckets = new IntList();
  readonly slots = new IntList();
  readonly tags = new IntList();
  readonly keys = new IntList();
  /** Per probed bucket, its first posting and its count (scratch). */
  readonly starts = new IntList();
  /** Buckets probed by the last collect(). */
  probed = 0;
  sink = 0;
  clear(): void {
    this.slots.clear();
    this.tags.clear();
    this.keys.clear();
  }
}

/** Bits per packed slot number: enough for every slot below `slots`. */
function widthFor(slots: number): number {
  return Math.max(1, 32 - Math.clz32(Math.max(1, slots - 1)));
}

/** The distinct substrings t of a slot's 8 codes (8 high words, then 8 low, per slot), into `keys`. */
function distinctKeys(codes: Uint32Array, slot: number, t: number, keys: Int32Array): number {
  let n = 0;
  const o = slot * 16;
  for (let j = 0; j < 8; j++) {
    const key = substring(t, codes[o + j]!, codes[o + 8 + j]!);
    // several codes of one picture often share a substring: one posting per slot and key
    let dup = false;
    for (let i = 0; i < n; i++) if (keys[i] === key) dup = true;
    if (!dup) keys[n++] = key;
  }
  return n;
}
