/** Order statistics by quickselect: linear rather than n log n time. Both reorder xs. */

/**
 * The value at index k of the ascending sort of xs (0 ≤ k < length): the same value as
 * `Float32Array.from(xs).sort()[k]`. NaN sorts last, as in a typed-array sort (an array with NaN is sorted).
 */
export function kthSmallest(xs: Float32Array, k: number): number {
  for (let i = 0; i < xs.length; i++) if (Number.isNaN(xs[i]!)) return xs.sort()[k]!;
  return select(xs, xs.length, k);
}

/** The k-th largest of xs[0..n) (1 ≤ k ≤ n; no NaN). */
export function kthLargest(xs: Float64Array, n: number, k: number): number {
  return select(xs, n, n - k);
}

/** The value at index k of the ascending order of xs[0..n). */
function select(xs: Float32Array | Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = xs[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i]! < pivot) i++;
      while (xs[j]! > pivot) j--;
      if (i <= j) {
        const t = xs[i]!;
        xs[i++] = xs[j]!;
        xs[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return xs[k]!;
  }
  return xs[k]!;
}
