/**
 * The artwork and character id of every index slot, without a string per slot: database ids are kept as
 * numbers (a Uint32Array while they fit, a Float64Array up to 2^53); any other id (tests, file names)
 * switches that column to plain strings.
 */
const DECIMAL = /^(0|[1-9]\d{0,14})$/;

export class IdColumn {
  private nums: Uint32Array | Float64Array = new Uint32Array(0);
  private strs: string[] | null = null;

  grow(cap: number, wide = this.nums instanceof Float64Array): void {
    if (this.strs) return;
    const n = wide ? new Float64Array(cap) : new Uint32Array(cap);
    n.set(this.nums.subarray(0, Math.min(cap, this.nums.length)));
    this.nums = n;
  }

  set(slot: number, id: string): void {
    if (!this.strs && !DECIMAL.test(id)) this.strs = Array.from(this.nums, (x) => String(x));
    if (this.strs) return void (this.strs[slot] = id);
    const v = Number(id);
    if (v > 0xffffffff && this.nums instanceof Uint32Array) this.grow(this.nums.length, true);
    this.nums[slot] = v;
  }

  get(slot: number): string {
    return this.strs ? this.strs[slot]! : String(this.nums[slot]);
  }

  /** Numeric value (NaN in string mode), for ordered lookups. */
  num(slot: number): number {
    return this.strs ? NaN : this.nums[slot]!;
  }

  get numeric(): boolean {
    return !this.strs;
  }

  bytes(): number {
    return this.strs ? this.strs.length * 48 : this.nums.byteLength;
  }
}

/**
 * Artwork id → slot. Slots filled in ascending id order (a build from the database, new uploads) are
 * found by binary search over the id column; the rest (replacements, out-of-order arrivals, string ids)
 * go to a small Map.
 */
export class SlotLookup {
  private sortedUpTo = 0; // slots [0, sortedUpTo) hold strictly ascending numeric ids
  private extra = new Map<string, number>();

  constructor(private readonly ids: IdColumn) {}

  /** Records that `slot` (the newest slot) now holds `id`. */
  add(slot: number, id: string): void {
    if (!this.ids.numeric && this.sortedUpTo > 0) {
      // the column just switched to strings: the searchable prefix moves to the Map
      for (let s = 0; s < this.sortedUpTo; s++) if (!this.extra.has(this.ids.get(s))) this.extra.set(this.ids.get(s), s);
      this.sortedUpTo = 0;
    }
    const v = this.ids.num(slot);
    if (this.ids.numeric && slot === this.sortedUpTo && (slot === 0 || v > this.ids.num(slot - 1))) this.sortedUpTo++;
    else this.extra.set(id, slot);
  }

  /** The slot that last held `id` (callers check it is alive). */
  find(id: string): number | undefined {
    const e = this.extra.get(id);
    if (e !== undefined) return e;
    if (!this.ids.numeric || !DECIMAL.test(id)) return undefined;
    const v = Number(id);
    // above the ascending prefix (every row of a build from the database, a new upload): no search
    if (this.sortedUpTo === 0 || v > this.ids.num(this.sortedUpTo - 1)) return undefined;
    let lo = 0;
    let hi = this.sortedUpTo - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.ids.num(mid);
      if (m === v) return mid;
      if (m < v) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  delete(id: string): void {
    this.extra.delete(id);
  }

  bytes(): number {
    return this.extra.size * 80;
  }
}
