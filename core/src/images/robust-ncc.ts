/**
 * Occlusion-robust NCC: the fit without the worst-fitting pixels (captions, stickers, UI remnants) and
 * a spatially coherent mask of them for the gradient comparison.
 */
import type { VImg } from './verify-images.js';

/**
 * NCC after discarding the 15 % of pixels that disagree most with the best linear fit
 * (overlaid text, stickers, UI remnants): robust to small occlusions. Also returns the kept-pixel
 * mask of a spatially coherent version of that selection (residuals box-blurred 3×3 before ranking),
 * so that a compact occluder is dropped while scattered noise is averaged out rather than removed.
 */
export function robustNcc(small: VImg, big: VImg): { ncc: number; share: number; mask: Uint8Array } {
  const w = small.width;
  const h = small.height;
  const n = w * h;
  const a = small.data;
  const b = big.data;
  const fit = (mask: Uint8Array | null) => {
    let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, m = 0;
    for (let i = 0; i < n; i++) {
      if (mask && !mask[i]) continue;
      const p = a[i]!, q = b[i]!;
      sa += p; sb += q; saa += p * p; sbb += q * q; sab += p * q; m++;
    }
    const va = saa - (sa * sa) / m;
    const vb = sbb - (sb * sb) / m;
    const cov = sab - (sa * sb) / m;
    return { ncc: va > 1e-6 && vb > 1e-6 ? cov / Math.sqrt(va * vb) : 0, slope: va > 1e-6 ? cov / va : 0, ma: sa / m, mb: sb / m };
  };
  const f0 = fit(null);
  const res = new Float32Array(n);
  for (let i = 0; i < n; i++) res[i] = Math.abs(b[i]! - (f0.mb + f0.slope * (a[i]! - f0.ma)));
  const cut = quantile(res, 0.85);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = res[i]! <= cut ? 1 : 0;
  const ncc = fit(mask).ncc;
  // coherent occluder mask: 3×3 mean of the residuals, worst MASK_FRACTION dropped
  const blur = new Float32Array(n);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - 1), y1 = Math.min(h - 1, y + 1);
    if (y0 === y - 1 && y1 === y + 1 && w >= 3) {
      // interior rows: the same 9 terms in the same order, without the per-pixel bounds
      const r0 = (y - 1) * w, r1 = y * w, r2 = (y + 1) * w;
      for (let x = 0; x < w; x++) {
        if (x === 0 || x === w - 1) {
          const x0 = Math.max(0, x - 1), x1 = Math.min(w - 1, x + 1);
          let s = 0;
          for (let yy = y0; yy <= y1; yy++) for (let xx = x0; xx <= x1; xx++) s += res[yy * w + xx]!;
          blur[y * w + x] = s / ((y1 - y0 + 1) * (x1 - x0 + 1));
          continue;
        }
        let s = 0;
        s += res[r0 + x - 1]!;
        s += res[r0 + x]!;
        s += res[r0 + x + 1]!;
        s += res[r1 + x - 1]!;
        s += res[r1 + x]!;
        s += res[r1 + x + 1]!;
        s += res[r2 + x - 1]!;
        s += res[r2 + x]!;
        s += res[r2 + x + 1]!;
        blur[r1 + x] = s / 9;
      }
      continue;
    }
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - 1), x1 = Math.min(w - 1, x + 1);
      let s = 0;
      for (let yy = y0; yy <= y1; yy++) for (let xx = x0; xx <= x1; xx++) s += res[yy * w + xx]!;
      blur[y * w + x] = s / ((y1 - y0 + 1) * (x1 - x0 + 1));
    }
  }
  const bcut = quantile(blur, 1 - MASK_FRACTION);
  const gmask = new Uint8Array(n);
  let inMask = 0;
  let all = 0;
  for (let i = 0; i < n; i++) {
    gmask[i] = blur[i]! <= bcut ? 1 : 0;
    all += blur[i]!;
    if (!gmask[i]) inMask += blur[i]!;
  }
  // (the share of the misfit those pixels carry is reported for diagnostics: it does not separate a
  // caption on a true match from an unrelated picture on the calibration splits, so it gates nothing)
  const share = all > 0 ? inMask / all : 0;
  return { ncc, share, mask: gmask };
}

/** Fraction of (coherent) worst-fitting pixels left out of the gradient comparison. */
const MASK_FRACTION = 0.15;

/** The element of rank ⌊n·q⌋ (quickselect on a copy, O(n)). */
function quantile(v: Float32Array, q: number): number {
  const a = Float32Array.from(v);
  const k = Math.min(a.length - 1, Math.floor(a.length * q));
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}
