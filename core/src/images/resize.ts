/**
 * Plane resampling used by every signature and by verification (area average when shrinking,
 * bilinear when growing), with the per-axis weights memoised by size.
 */

interface AxisWeights {
  start: Int32Array;
  count: Int32Array;
  w: Float32Array; // flattened, stride = maxCount
  stride: number;
}

// resize weights depend on the sizes only: memoised (small, bounded cache; identical results)
const AXIS_CACHE = new Map<number, AxisWeights>();

function axisWeights(src: number, dst: number): AxisWeights {
  const key = src * 65536 + dst;
  let aw = AXIS_CACHE.get(key);
  if (!aw) {
    if (AXIS_CACHE.size >= 4096) AXIS_CACHE.clear();
    AXIS_CACHE.set(key, (aw = computeAxisWeights(src, dst)));
  }
  return aw;
}

function computeAxisWeights(src: number, dst: number): AxisWeights {
  const scale = src / dst;
  const start = new Int32Array(dst);
  const count = new Int32Array(dst);
  if (scale <= 1) {
    // upscaling: bilinear
    const w = new Float32Array(dst * 2);
    for (let i = 0; i < dst; i++) {
      let c = (i + 0.5) * scale - 0.5;
      if (c < 0) c = 0;
      let i0 = Math.floor(c);
      if (i0 >= src - 1) i0 = Math.max(0, src - 2);
      const f = Math.min(1, c - i0);
      start[i] = i0;
      count[i] = src === 1 ? 1 : 2;
      w[i * 2] = src === 1 ? 1 : 1 - f;
      w[i * 2 + 1] = f;
    }
    return { start, count, w, stride: 2 };
  }
  // downscaling: area average
  const stride = Math.ceil(scale) + 2;
  const w = new Float32Array(dst * stride);
  for (let i = 0; i < dst; i++) {
    const a = i * scale;
    const b = (i + 1) * scale;
    const s = Math.floor(a);
    const e = Math.min(src, Math.ceil(b));
    start[i] = s;
    count[i] = e - s;
    for (let k = s; k < e; k++) {
      const cover = Math.min(b, k + 1) - Math.max(a, k);
      w[i * stride + (k - s)] = cover / scale;
    }
  }
  return { start, count, w, stride };
}

// the horizontal pass's scratch rows, reused across calls (fully overwritten each time)
let scratch = new Float32Array(0);

/** Resizes a plane (area average when shrinking, bilinear when growing). */
export function resizePlane(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  return resizeRegion(src, sw, 0, 0, sw, sh, dw, dh);
}

/**
 * Resizes the sw×sh window at (x0, y0) of a plane `stride` wide, exactly as resizePlane would resize a
 * copy of that window (a crop costs no copy).
 */
export function resizeRegion(
  src: Float32Array,
  stride: number,
  x0: number,
  y0: number,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
): Float32Array {
  const xw = axisWeights(sw, dw);
  const yw = axisWeights(sh, dh);
  if (scratch.length < dw * sh) scratch = new Float32Array(dw * sh);
  const tmp = scratch;
  const xs = xw.start;
  const xc = xw.count;
  const xwt = xw.w;
  const xstride = xw.stride;
  // four rows at a time: each weight loaded once for the four (every row's sums are as one row's)
  let y = 0;
  for (; y + 4 <= sh; y += 4) {
    const r0 = (y0 + y) * stride + x0;
    const r1 = r0 + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    const t0 = y * dw;
    for (let x = 0; x < dw; x++) {
      const s = xs[x]!;
      const c = xc[x]!;
      const o = x * xstride;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let k = 0; k < c; k++) {
        const wk = xwt[o + k]!;
        a0 += src[r0 + s + k]! * wk;
        a1 += src[r1 + s + k]! * wk;
        a2 += src[r2 + s + k]! * wk;
        a3 += src[r3 + s + k]! * wk;
      }
      tmp[t0 + x] = a0;
      tmp[t0 + dw + x] = a1;
      tmp[t0 + 2 * dw + x] = a2;
      tmp[t0 + 3 * dw + x] = a3;
    }
  }
  for (; y < sh; y++) {
    const row = (y0 + y) * stride + x0;
    const trow = y * dw;
    for (let x = 0; x < dw; x++) {
      const s = row + xs[x]!;
      const c = xc[x]!;
      const o = x * xstride;
      let acc = 0;
      for (let k = 0; k < c; k++) acc += src[s + k]! * xwt[o + k]!;
      tmp[trow + x] = acc;
    }
  }
  const out = new Float32Array(dw * dh);
  const ys = yw.start;
  const yc = yw.count;
  const ywt = yw.w;
  const ystride = yw.stride;
  for (let y = 0; y < dh; y++) {
    const s = ys[y]!;
    const c = yc[y]!;
    const o = y * ystride;
    const drow = y * dw;
    for (let k = 0; k < c; k++) {
      const wgt = ywt[o + k]!;
      const srow = (s + k) * dw;
      for (let x = 0; x < dw; x++) out[drow + x]! += tmp[srow + x]! * wgt;
    }
  }
  return out;
}
