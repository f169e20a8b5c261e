/**
 * The value at index k of the ascending sort of xs (0 ≤ k < length), by quickselect: the same value as
 * `Float32Array.from(xs).sort()[k]` in linear rather than n log n time. Reorders xs. NaN sorts last, as
 * in a typed-array sort (an array with NaN is sorted).
 */
export function kthSmallest(xs: Float32Array, k: number): number {
  for (let i = 0; i < xs.length; i++) if (Number.isNaN(xs[i]!)) return xs.sort()[k]!;
  let lo = 0;
  let hi = xs.length - 1;
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
