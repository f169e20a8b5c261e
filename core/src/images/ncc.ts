/**
 * Normalised cross-correlation kernels of the verifier: integer placements (nccAt), equal-size arrays
 * (nccFlat) and bilinear-warped windows (warpWindow / WarpNcc, the same arithmetic without the window).
 */
import type { VImg } from './verify-images.js';

export interface Stats {
  mean: number;
  norm: number; // sqrt(sum (x-mean)^2)
  centred: Float32Array;
}

export function statsOf(v: VImg): Stats {
  const n = v.data.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += v.data[i]!;
  const mean = s / n;
  const centred = new Float32Array(n);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = v.data[i]! - mean;
    centred[i] = d;
    ss += d * d;
  }
  return { mean, norm: Math.sqrt(ss), centred };
}

/** NCC of `small` (centred) against the window of `big` at (x, y). */
export function nccAt(small: VImg, st: Stats, big: VImg, x: number, y: number): number {
  const w = small.width;
  const h = small.height;
  const bw = big.width;
  const bd = big.data;
  const sc = st.centred;
  let sb = 0;
  let sbb = 0;
  let sxb = 0;
  for (let r = 0; r < h; r++) {
    const bo = (y + r) * bw + x;
    const so = r * w;
    for (let c = 0; c < w; c++) {
      const b = bd[bo + c]!;
      sb += b;
      sbb += b * b;
      sxb += sc[so + c]! * b;
    }
  }
  const n = w * h;
  const varB = sbb - (sb * sb) / n;
  if (varB <= 1e-6 || st.norm <= 1e-6) return 0;
  return sxb / (st.norm * Math.sqrt(varB));
}

/**
 * nccAt for the placements x0..x1 (inclusive) of row y, into out[0..x1−x0]. Neighbouring placements
 * are summed together, three (then two) at a time: each has its own sums, taken in nccAt's order (so each score is
 * nccAt's to the last bit), and their independent chains of additions run side by side.
 */
export function nccRow(small: VImg, st: Stats, big: VImg, x0: number, x1: number, y: number, out: Float64Array): void {
  const w = small.width;
  const h = small.height;
  const bw = big.width;
  const bd = big.data;
  const sc = st.centred;
  const n = w * h;
  const norm = st.norm;
  let x = x0;
  for (; x + 2 <= x1; x += 3) {
    let sb0 = 0, sbb0 = 0, sxb0 = 0, sb1 = 0, sbb1 = 0, sxb1 = 0, sb2 = 0, sbb2 = 0, sxb2 = 0;
    for (let r = 0; r < h; r++) {
      const bo = (y + r) * bw + x;
      const so = r * w;
      let b0 = bd[bo]!;
      let b1 = bd[bo + 1]!;
      for (let c = 0; c < w; c++) {
        const s = sc[so + c]!;
        const b2 = bd[bo + c + 2]!;
        sb0 += b0;
        sbb0 += b0 * b0;
        sxb0 += s * b0;
        sb1 += b1;
        sbb1 += b1 * b1;
        sxb1 += s * b1;
        sb2 += b2;
        sbb2 += b2 * b2;
        sxb2 += s * b2;
        b0 = b1;
        b1 = b2;
      }
    }
    out[x - x0] = scoreOf(sb0, sbb0, sxb0, n, norm);
    out[x - x0 + 1] = scoreOf(sb1, sbb1, sxb1, n, norm);
    out[x - x0 + 2] = scoreOf(sb2, sbb2, sxb2, n, norm);
  }
  if (x + 1 <= x1) {
    let sb0 = 0, sbb0 = 0, sxb0 = 0, sb1 = 0, sbb1 = 0, sxb1 = 0;
    for (let r = 0; r < h; r++) {
      const bo = (y + r) * bw + x;
      const so = r * w;
      let b0 = bd[bo]!;
      for (let c = 0; c < w; c++) {
        const s = sc[so + c]!;
        const b1 = bd[bo + c + 1]!;
        sb0 += b0;
        sbb0 += b0 * b0;
        sxb0 += s * b0;
        sb1 += b1;
        sbb1 += b1 * b1;
        sxb1 += s * b1;
        b0 = b1;
      }
    }
    out[x - x0] = scoreOf(sb0, sbb0, sxb0, n, norm);
    out[x - x0 + 1] = scoreOf(sb1, sbb1, sxb1, n, norm);
    x += 2;
  }
  if (x <= x1) out[x - x0] = nccAt(small, st, big, x, y);
}

/** nccAt's score from its sums. */
function scoreOf(sb: number, sbb: number, sxb: number, n: number, norm: number): number {
  const varB = sbb - (sb * sb) / n;
  return varB <= 1e-6 || norm <= 1e-6 ? 0 : sxb / (norm * Math.sqrt(varB));
}

/** `big` sampled (bilinear, clamped) on the grid x + u·sx, y + v·sy for the pixels of `small`. */
export function warpWindow(small: VImg, big: VImg, x: number, y: number, sx: number, sy: number, out: Float32Array): void {
  const w = small.width;
  const h = small.height;
  const bw = big.width;
  const bd = big.data;
  const xmax = bw - 1.001;
  const ymax = big.height - 1.001;
  for (let v = 0; v < h; v++) {
    let fy = y + (v + 0.5) * sy - 0.5;
    if (fy < 0) fy = 0;
    else if (fy > ymax) fy = ymax;
    const y0 = fy | 0;
    const ty = fy - y0;
    const r0 = y0 * bw;
    const r1 = r0 + bw;
    for (let u = 0; u < w; u++) {
      let fx = x + (u + 0.5) * sx - 0.5;
      if (fx < 0) fx = 0;
      else if (fx > xmax) fx = xmax;
      const x0 = fx | 0;
      const tx = fx - x0;
      const a = bd[r0 + x0]! + (bd[r0 + x0 + 1]! - bd[r0 + x0]!) * tx;
      const c = bd[r1 + x0]! + (bd[r1 + x0 + 1]! - bd[r1 + x0]!) * tx;
      out[v * w + u] = a + (c - a) * ty;
    }
  }
}

/**
 * nccFlat(small, warpWindow(small, big, …)) without the intermediate window, with the per-column and
 * per-row sampling positions computed once per placement and the small image's sums once: the same
 * arithmetic in the same order (window values rounded to float32 as the window array stores them).
 */
export class WarpNcc {
  private sa = 0;
  private saa = 0;
  private x0: Int32Array;
  private tx: Float64Array;
  private y0: Int32Array;
  private ty: Float64Array;
  constructor(private small: VImg) {
    const a = small.data;
    let sa = 0, saa = 0;
    for (let i = 0; i < a.length; i++) {
      const p = a[i]!;
      sa += p;
      saa += p * p;
    }
    this.sa = sa;
    this.saa = saa;
    this.x0 = new Int32Array(small.width);
    this.tx = new Float64Array(small.width);
    this.y0 = new Int32Array(small.height);
    this.ty = new Float64Array(small.height);
  }
  ncc(big: VImg, x: number, y: number, sx: number, sy: number): number {
    const w = this.small.width;
    const h = this.small.height;
    const a = this.small.data;
    const bw = big.width;
    const bd = big.data;
    const xmax = bw - 1.001;
    const ymax = big.height - 1.001;
    const X0 = this.x0, TX = this.tx, Y0 = this.y0, TY = this.ty;
    for (let u = 0; u < w; u++) {
      let fx = x + (u + 0.5) * sx - 0.5;
      if (fx < 0) fx = 0;
      else if (fx > xmax) fx = xmax;
      const x0 = fx | 0;
      X0[u] = x0;
      TX[u] = fx - x0;
    }
    for (let v = 0; v < h; v++) {
      let fy = y + (v + 0.5) * sy - 0.5;
      if (fy < 0) fy = 0;
      else if (fy > ymax) fy = ymax;
      const y0 = fy | 0;
      Y0[v] = y0;
      TY[v] = fy - y0;
    }
    let sb = 0, sbb = 0, sab = 0;
    const fround = Math.fround;
    for (let v = 0; v < h; v++) {
      const r0 = Y0[v]! * bw;
      const r1 = r0 + bw;
      const ty = TY[v]!;
      const ao = v * w;
      for (let u = 0; u < w; u++) {
        const x0 = X0[u]!;
        const tx = TX[u]!;
        const b00 = bd[r0 + x0]!;
        const b10 = bd[r1 + x0]!;
        const av = b00 + (bd[r0 + x0 + 1]! - b00) * tx;
        const cv = b10 + (bd[r1 + x0 + 1]! - b10) * tx;
        const q = fround(av + (cv - av) * ty);
        sb += q;
        sbb += q * q;
        sab += a[ao + u]! * q;
      }
    }
    const n = w * h;
    const sa = this.sa;
    const va = this.saa - (sa * sa) / n;
    const vb = sbb - (sb * sb) / n;
    return va > 1e-6 && vb > 1e-6 ? (sab - (sa * sb) / n) / Math.sqrt(va * vb) : 0;
  }
}

export function nccFlat(a: Float32Array, b: Float32Array): number {
  const n = a.length;
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (let i = 0; i < n; i++) {
    const p = a[i]!, q = b[i]!;
    sa += p; sb += q; saa += p * p; sbb += q * q; sab += p * q;
  }
  const va = saa - (sa * sa) / n;
  const vb = sbb - (sb * sb) / n;
  return va > 1e-6 && vb > 1e-6 ? (sab - (sa * sb) / n) / Math.sqrt(va * vb) : 0;
}
