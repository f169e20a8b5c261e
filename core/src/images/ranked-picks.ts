/**
 * The search index's bounded collectors: a query's stop-bucket weights per row byte, the best-m picker of
 * the Haar scan, and the k nearest of the hash and exact stages.
 */
import { kthLargest } from './order-statistic.js';

export interface CodeHit {
  slot: number;
  distance: number;
}

/**
 * A query's weights over the stop buckets, per byte of a stop row: the matched weight of a row is one
 * table lookup per byte the query has bits in, instead of one bit test per stop bucket.
 */
export class StopWeights {
  private readonly bytes: Int32Array;
  private readonly tables: Float64Array;
  constructor(stopIdx: readonly number[], weights: readonly number[]) {
    const byByte = new Map<number, [number, number][]>();
    stopIdx.forEach((si, i) => {
      const l = byByte.get(si >> 3) ?? [];
      l.push([si & 7, weights[i]!]);
      byByte.set(si >> 3, l);
    });
    this.bytes = Int32Array.from(byByte.keys());
    this.tables = new Float64Array(this.bytes.length * 256);
    [...byByte.values()].forEach((bits, j) => {
      const bitW = new Float64Array(8);
      for (const [bit, w] of bits) bitW[bit]! += w;
      const t = this.tables.subarray(j * 256, (j + 1) * 256);
      // each byte value's weight from the value without its lowest bit
      for (let v = 1; v < 256; v++) t[v] = t[v & (v - 1)]! + bitW[31 - Math.clz32(v & -v)]!;
    });
  }
  matched(rows: Uint8Array, row: number): number {
    let m = 0;
    const bytes = this.bytes;
    const tables = this.tables;
    for (let j = 0; j < bytes.length; j++) m += tables[j * 256 + rows[row + bytes[j]!]!]!;
    return m;
  }
}

/**
 * The `m` best (slot, weight) offers, in any order; at equal weight the lower slot wins. A buffer of 4m
 * is cut back to its m best whenever it fills, raising the bar for later offers: an offer below the
 * m-th best kept at the last cut (weight `bar`, slot `barSlot`) can never be among the m best, and is
 * dropped by `beats()` before it costs a call.
 */
export class Picks {
  private readonly slots: Uint32Array;
  private readonly weights: Float64Array;
  private readonly sel: Float64Array;
  private readonly tied: Uint32Array;
  private n = 0;
  bar = 0; // the m-th best weight at the last cut
  barSlot = 0xffffffff; // the highest slot kept at that weight
  constructor(private readonly m: number) {
    this.slots = new Uint32Array(4 * m);
    this.weights = new Float64Array(4 * m);
    this.sel = new Float64Array(4 * m);
    this.tied = new Uint32Array(4 * m);
  }
  /** Whether (slot, w) would enter the m best kept so far. */
  beats(slot: number, w: number): boolean {
    return w > this.bar || (w === this.bar && slot < this.barSlot);
  }
  offer(slot: number, w: number): void {
    if (!this.beats(slot, w)) return;
    this.slots[this.n] = slot;
    this.weights[this.n++] = w;
    if (this.n === this.slots.length) this.cut();
  }
  /** Keeps the m best (at the m-th weight, the lowest slots). */
  private cut(): void {
    const n = this.n;
    this.sel.set(this.weights.subarray(0, n));
    const cut = kthLargest(this.sel, n, this.m);
    const tied = this.tied;
    let nt = 0;
    let o = 0;
    for (let i = 0; i < n; i++) {
      const w = this.weights[i]!;
      if (w > cut) ((this.slots[o] = this.slots[i]!), (this.weights[o++] = w));
      else if (w === cut) tied[nt++] = this.slots[i]!;
    }
    // the lowest slots at the cut weight, by selection: they are many (every slot of one list alone
    // weighs the same), and each slot is offered once
    const need = this.m - o;
    let last = 0;
    if (nt <= need) for (let i = 0; i < nt; i++) ((this.slots[o] = tied[i]!), (this.weights[o++] = cut), (last = Math.max(last, tied[i]!)));
    else {
      for (let i = 0; i < nt; i++) this.sel[i] = tied[i]!;
      last = kthLargest(this.sel, nt, nt - need + 1);
      for (let i = 0; i < nt; i++) if (tied[i]! <= last) ((this.slots[o] = tied[i]!), (this.weights[o++] = cut));
    }
    this.n = o;
    this.bar = cut;
    this.barSlot = last;
  }
  /** The m best, by weight then slot (`sorted`), or in any order. */
  best(sorted = true): { slots: Uint32Array; weights: Float64Array } {
    if (this.n > this.m) this.cut();
    if (!sorted) return { slots: this.slots.slice(0, this.n), weights: this.weights.slice(0, this.n) };
    const idx = Array.from({ length: this.n }, (_, i) => i).sort(
      (a, b) => this.weights[b]! - this.weights[a]! || this.slots[a]! - this.slots[b]!,
    );
    return { slots: Uint32Array.from(idx, (i) => this.slots[i]!), weights: Float64Array.from(idx, (i) => this.weights[i]!) };
  }
}

/** Sorts a[0..n) ascending in place (a slot's few probed buckets). */
export function sortSmall(a: Int32Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const x = a[i]!;
    let j = i - 1;
    for (; j >= 0 && a[j]! > x; j--) a[j + 1] = a[j]!;
    a[j + 1] = x;
  }
}

/** The `k` nearest of slot → distance, nearest first, ties by slot (as the flat scan finds them). */
export function nearestFirst(best: Map<number, number>, k: number): CodeHit[] {
  return [...best]
    .sort((x, y) => x[1] - y[1] || x[0] - y[0])
    .slice(0, k)
    .map(([slot, distance]) => ({ slot, distance }));
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
