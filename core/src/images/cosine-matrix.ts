/**
 * Exact nearest neighbours by cosine similarity over one Float32Array matrix (one row per id, stored
 * L2-normalised so a dot product is the cosine). This is the CLIP search where PostgreSQL has no
 * pgvector: at the embedded scale (≤ ~100k artworks × 512 dims, ~200 MB) a brute-force scan is a few
 * tens of milliseconds and needs no approximate index. Pure: no IO (the database side lives in
 * services/embedding-memory-index.ts).
 */

export interface CosineHit {
  id: string;
  /** Cosine similarity, -1…1 (0 for a zero vector). */
  similarity: number;
}

export class CosineMatrix {
  readonly dims: number;
  private data: Float32Array;
  private ids: string[] = [];
  private rowOf = new Map<string, number>();

  constructor(dims: number, initialCapacity = 1024) {
    if (!Number.isInteger(dims) || dims < 1) throw new Error(`invalid embedding size ${dims}`);
    this.dims = dims;
    this.data = new Float32Array(dims * Math.max(1, initialCapacity));
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: string): boolean {
    return this.rowOf.has(id);
  }

  /** Bytes held by the matrix (capacity included). */
  get bytes(): number {
    return this.data.byteLength;
  }

  /** Adds or replaces the vector of `id` (copied and normalised). */
  set(id: string, vector: ArrayLike<number>): void {
    if (vector.length !== this.dims) throw new Error(`embedding has ${vector.length} dimensions, expected ${this.dims}`);
    let row = this.rowOf.get(id);
    if (row === undefined) {
      row = this.ids.length;
      if ((row + 1) * this.dims > this.data.length) this.grow(row + 1);
      this.ids.push(id);
      this.rowOf.set(id, row);
    }
    const d = this.dims;
    const off = row * d;
    let norm = 0;
    for (let i = 0; i < d; i++) norm += vector[i]! * vector[i]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < d; i++) this.data[off + i] = vector[i]! * scale;
  }

  /** Removes `id` (the last row moves into its place); false when it was not there. */
  delete(id: string): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    const last = this.ids.length - 1;
    if (row !== last) {
      const movedId = this.ids[last]!;
      this.data.copyWithin(row * this.dims, last * this.dims, (last + 1) * this.dims);
      this.ids[row] = movedId;
      this.rowOf.set(movedId, row);
    }
    this.ids.pop();
    this.rowOf.delete(id);
    return true;
  }

  clear(): void {
    this.ids = [];
    this.rowOf.clear();
  }

  /** Reserves room for `rows` rows (a full load knows its size up front, so it allocates once). */
  reserve(rows: number): void {
    if (rows * this.dims > this.data.length) this.grow(rows, true);
  }

  /** The `limit` most similar rows to `query`, best first (ties by id); exact. */
  nearest(query: ArrayLike<number>, limit: number): CosineHit[] {
    if (query.length !== this.dims) throw new Error(`query has ${query.length} dimensions, expected ${this.dims}`);
    const d = this.dims;
    const n = this.ids.length;
    const k = Math.min(n, Math.max(0, Math.floor(limit)));
    if (k === 0) return [];
    let norm = 0;
    for (let i = 0; i < d; i++) norm += query[i]! * query[i]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    const q = new Float32Array(d);
    for (let i = 0; i < d; i++) q[i] = query[i]! * scale;

    // bounded min-heap of (score, row): the root is the worst kept hit
    const hs = new Float64Array(k);
    const hr = new Int32Array(k);
    let size = 0;
    const data = this.data;
    const d4 = d - (d % 4);
    for (let row = 0, off = 0; row < n; row++, off += d) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      for (; i < d4; i += 4) {
        s0 += data[off + i]! * q[i]!;
        s1 += data[off + i + 1]! * q[i + 1]!;
        s2 += data[off + i + 2]! * q[i + 2]!;
        s3 += data[off + i + 3]! * q[i + 3]!;
      }
      for (; i < d; i++) s0 += data[off + i]! * q[i]!;
      const s = s0 + s1 + s2 + s3;
      if (size < k) {
        // sift up
        let c = size++;
        while (c > 0) {
          const p = (c - 1) >> 1;
          if (hs[p]! <= s) break;
          hs[c] = hs[p]!;
          hr[c] = hr[p]!;
          c = p;
        }
        hs[c] = s;
        hr[c] = row;
      } else if (s > hs[0]!) {
        // replace the root, sift down
        let c = 0;
        for (;;) {
          const l = 2 * c + 1;
          if (l >= k) break;
          const m = l + 1 < k && hs[l + 1]! < hs[l]! ? l + 1 : l;
          if (hs[m]! >= s) break;
          hs[c] = hs[m]!;
          hr[c] = hr[m]!;
          c = m;
        }
        hs[c] = s;
        hr[c] = row;
      }
    }
    const out: CosineHit[] = new Array(size);
    for (let i = 0; i < size; i++) out[i] = { id: this.ids[hr[i]!]!, similarity: Math.max(-1, Math.min(1, hs[i]!)) };
    return out.sort((a, b) => b.similarity - a.similarity || compareIds(a.id, b.id));
  }

  private grow(rows: number, exact = false): void {
    const capacity = exact ? rows : Math.max(rows, Math.ceil((this.data.length / this.dims) * 1.5));
    const next = new Float32Array(capacity * this.dims);
    next.set(this.data.subarray(0, this.ids.length * this.dims));
    this.data = next;
  }
}

/** Numeric order of bigint ids kept as decimal strings. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
