/** Hue-rotation-invariant colour agreement between two aligned chroma images. */
import { resizePlane } from './resize.js';
import type { Chroma } from './verify-images.js';

/**
 * |Σ conj(zs)·zb| / sqrt(Σ|zs|² Σ|zb|²) with z = I + iQ: 1 when the colours agree up to a global hue
 * rotation. `small` is placed in `big` at relative position (rx, ry) with relative size (rw, rh).
 */
export function chromaCorrelation(small: Chroma, big: Chroma, rw: number, rh: number, rx: number, ry: number): number {
  const w = Math.max(2, Math.min(big.width, Math.round(rw * big.width)));
  const h = Math.max(2, Math.min(big.height, Math.round(rh * big.height)));
  const x0 = Math.max(0, Math.min(big.width - w, Math.round(rx * big.width)));
  const y0 = Math.max(0, Math.min(big.height - h, Math.round(ry * big.height)));
  const sn = small.width * small.height;
  const si = resizePlane(Float32Array.from(small.data.subarray(0, sn)), small.width, small.height, w, h);
  const sq = resizePlane(Float32Array.from(small.data.subarray(sn)), small.width, small.height, w, h);
  const bn = big.width * big.height;
  let re = 0;
  let im = 0;
  let ss = 0;
  let bb = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = si[y * w + x]!;
      const c = sq[y * w + x]!;
      const o = (y0 + y) * big.width + x0 + x;
      const p = big.data[o]!;
      const q = big.data[bn + o]!;
      // conj(a + ic) * (p + iq)
      re += a * p + c * q;
      im += a * q - c * p;
      ss += a * a + c * c;
      bb += p * p + q * q;
    }
  }
  const n = w * h;
  // nearly grey pictures carry no colour evidence
  if (ss / n < 16 || bb / n < 16) return NaN;
  return Math.hypot(re, im) / Math.sqrt(ss * bb);
}
