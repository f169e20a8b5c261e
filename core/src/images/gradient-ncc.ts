/** Detail check at an alignment: gradient NCC. */
import type { VImg } from './verify-images.js';

// `small` is a query variant or a candidate, the same picture for many pairs: smoothed once
const SMOOTHED = new WeakMap<Float32Array, VImg>();

// the candidate side's smoothed window and both gradient lists: scratch reused by every call (each is
// fully written before it is read, and none outlives the call)
let smoothScratch = new Float32Array(0);
let gradScratch = [new Float64Array(0), new Float64Array(0)] as const;

/** NCC of the x/y gradients of `small` and the window of `big` at (x, y): discriminates detail. */
export function gradientNcc(small0: VImg, big0: VImg, x00: number, y00: number, keep?: Uint8Array): number {
  // 2×2 box-smoothed copies: tolerate the half-pixel misalignment left by integer placements
  const smooth = (v: VImg, x0: number, y0: number, w: number, h: number, out = new Float32Array(w * h)): VImg => {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const xx = Math.min(v.width - 2, x0 + x);
        const yy = Math.min(v.height - 2, y0 + y);
        const o = yy * v.width + xx;
        out[y * w + x] = (v.data[o]! + v.data[o + 1]! + v.data[o + v.width]! + v.data[o + v.width + 1]!) / 4;
      }
    return { width: w, height: h, data: out };
  };
  let small = SMOOTHED.get(small0.data);
  if (small?.width !== small0.width) SMOOTHED.set(small0.data, (small = smooth(small0, 0, 0, small0.width, small0.height)));
  if (smoothScratch.length < small0.width * small0.height) smoothScratch = new Float32Array(small0.width * small0.height);
  const big = smooth(big0, x00, y00, small0.width, small0.height, smoothScratch);
  const x0 = 0;
  const y0 = 0;
  const w = small.width;
  const h = small.height;
  const cap = 2 * Math.max(0, w - 1) * Math.max(0, h - 1);
  if (gradScratch[0].length < cap) gradScratch = [new Float64Array(cap), new Float64Array(cap)];
  const [a, b] = gradScratch;
  let len = 0;
  const bw = big.width;
  for (let y = 0; y < h - 1; y++) {
    for (let x = 0; x < w - 1; x++) {
      // gradients touching a left-out (overlay) pixel carry no evidence
      if (keep && !(keep[y * w + x] && keep[y * w + x + 1] && keep[(y + 1) * w + x])) continue;
      const s0 = small.data[y * w + x]!;
      a[len] = small.data[y * w + x + 1]! - s0;
      a[len + 1] = small.data[(y + 1) * w + x]! - s0;
      const bo = (y0 + y) * bw + x0 + x;
      const b0 = big.data[bo]!;
      b[len] = big.data[bo + 1]! - b0;
      b[len + 1] = big.data[bo + bw]! - b0;
      len += 2;
    }
  }
  let sa = 0, sb = 0;
  for (let i = 0; i < len; i++) (sa += a[i]!, sb += b[i]!);
  const ma = sa / len, mb = sb / len;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < len; i++) {
    const da = a[i]! - ma, db = b[i]! - mb;
    sab += da * db; saa += da * da; sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}
