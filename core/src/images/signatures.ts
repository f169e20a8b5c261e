/**
 * Pure-JS image signatures computed from decoded RGB pixels (no sharp here, so the same code runs for
 * gallery images at ingest and for query variants at search time).
 *
 * - 64-bit DCT pHash (32×32 grey, 8×8 low frequencies, median) and 64-bit dHash;
 * - pHashes of 5/10/15 % centre crops (stored per artwork, so crops of the artwork land close);
 * - an iqdb-style multiresolution Haar signature (Jacobs, Finkelstein & Salesin 1995): 128×128 YIQ,
 *   the 40 largest coefficients per channel as signed positions, plus the three DC averages;
 * - a small grey "verification" image (long side 64) for alignment/NCC re-ranking of candidates.
 */

/** Version of every signature below; bump when any computation changes (see reindex). */
export const FEATURES_VERSION = 3;

/** An RGB image as 3 float planes (0..255). */
export interface Rgb {
  width: number;
  height: number;
  r: Float32Array;
  g: Float32Array;
  b: Float32Array;
}

/** A single-channel float image. */
export interface Plane {
  width: number;
  height: number;
  data: Float32Array;
}

/** A 64-bit code as two unsigned 32-bit halves (hi = first 32 bits of the bit string). */
export interface Code64 {
  hi: number;
  lo: number;
}

export const HAAR_SIZE = 128;
export const HAAR_COEFS = 40;
export const VERIFY_SIDE = 64;

/**
 * Verification data: grey image (long side VERIFY_SIDE) plus YIQ chroma at half that resolution
 * (I plane then Q plane, int8, value/1.25), for hue-tolerant colour checks.
 */
export interface VerifyData {
  width: number;
  height: number;
  data: Uint8Array;
  chroma: { width: number; height: number; data: Int8Array };
}

/** Signatures stored per artwork (opaque to the ingest pipeline). */
export interface ImageFeatures {
  version: number;
  /** pHash of the normalised (trimmed) image. */
  phash: Code64;
  dhash: Code64;
  /** pHashes of the 5/10/15 % centre crops, then of the 4 corner crops (82 %) of the normalised image. */
  cropHashes: Code64[];
  /** iqdb signature: DC averages of Y, I, Q. */
  haarDc: [number, number, number];
  /** iqdb signature: per channel (Y, I, Q) HAAR_COEFS signed positions (+/-(index+1)). */
  haarCoefs: Int16Array;
  /** Grey verification image of the normalised image, long side VERIFY_SIDE, bytes 0..255. */
  verify: VerifyData;
}

// ---------------------------------------------------------------------------------------------
// Pixels

/** Converts interleaved 8-bit RGB (3 channels) to planes. */
export function rgbFromInterleaved(data: Uint8Array, width: number, height: number, channels = 3): Rgb {
  const n = width * height;
  const r = new Float32Array(n);
  const g = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    r[i] = data[j]!;
    g[i] = data[j + 1]!;
    b[i] = data[j + 2]!;
  }
  return { width, height, r, g, b };
}

export function greyOf(img: Rgb): Plane {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.299 * img.r[i]! + 0.587 * img.g[i]! + 0.114 * img.b[i]!;
  return { width: img.width, height: img.height, data: out };
}

/** Sub-rectangle of an RGB image. */
export function cropRgb(img: Rgb, x: number, y: number, w: number, h: number): Rgb {
  x = Math.max(0, Math.min(img.width - 1, Math.round(x)));
  y = Math.max(0, Math.min(img.height - 1, Math.round(y)));
  w = Math.max(1, Math.min(img.width - x, Math.round(w)));
  h = Math.max(1, Math.min(img.height - y, Math.round(h)));
  const cp = (src: Float32Array) => {
    const out = new Float32Array(w * h);
    for (let row = 0; row < h; row++) out.set(src.subarray((y + row) * img.width + x, (y + row) * img.width + x + w), row * w);
    return out;
  };
  return { width: w, height: h, r: cp(img.r), g: cp(img.g), b: cp(img.b) };
}

export function mirrorRgb(img: Rgb): Rgb {
  const flip = (src: Float32Array) => {
    const out = Float32Array.from(src);
    for (let y = 0; y < img.height; y++) out.subarray(y * img.width, (y + 1) * img.width).reverse();
    return out;
  };
  return { width: img.width, height: img.height, r: flip(img.r), g: flip(img.g), b: flip(img.b) };
}

/** A plane mirrored left–right (row reversal: exactly the grey of the mirrored image). */
export function mirrorPlane(p: Plane): Plane {
  const out = Float32Array.from(p.data);
  for (let y = 0; y < p.height; y++) out.subarray(y * p.width, (y + 1) * p.width).reverse();
  return { width: p.width, height: p.height, data: out };
}

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

/** Resizes a plane (area average when shrinking, bilinear when growing). */
export function resizePlane(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  const xw = axisWeights(sw, dw);
  const yw = axisWeights(sh, dh);
  const tmp = new Float32Array(dw * sh);
  const xs = xw.start;
  const xc = xw.count;
  const xwt = xw.w;
  const xstride = xw.stride;
  for (let y = 0; y < sh; y++) {
    const row = y * sw;
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
  for (let y = 0; y < dh; y++) {
    const s = yw.start[y]!;
    const c = yw.count[y]!;
    const o = y * yw.stride;
    for (let k = 0; k < c; k++) {
      const wgt = yw.w[o + k]!;
      const srow = (s + k) * dw;
      const drow = y * dw;
      for (let x = 0; x < dw; x++) out[drow + x]! += tmp[srow + x]! * wgt;
    }
  }
  return out;
}

export function resizeRgb(img: Rgb, w: number, h: number): Rgb {
  return {
    width: w,
    height: h,
    r: resizePlane(img.r, img.width, img.height, w, h),
    g: resizePlane(img.g, img.width, img.height, w, h),
    b: resizePlane(img.b, img.width, img.height, w, h),
  };
}

// ---------------------------------------------------------------------------------------------
// Trimming: uniform borders, letterboxing and UI around a picture (phone screenshots)

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

function frameColour(img: Rgb, box: Box): [number, number, number] {
  // median of the border pixels of the box, per channel
  const rs: number[] = [];
  const gs: number[] = [];
  const bs: number[] = [];
  const push = (x: number, y: number) => {
    const i = y * img.width + x;
    rs.push(img.r[i]!);
    gs.push(img.g[i]!);
    bs.push(img.b[i]!);
  };
  for (let x = box.x; x < box.x + box.w; x++) {
    push(x, box.y);
    push(x, box.y + box.h - 1);
  }
  for (let y = box.y; y < box.y + box.h; y++) {
    push(box.x, y);
    push(box.x + box.w - 1, y);
  }
  const med = (a: number[]) => a.sort((p, q) => p - q)[a.length >> 1] ?? 0;
  return [med(rs), med(gs), med(bs)];
}

/** Strips edge rows/columns that are (almost) entirely one colour (each side judged on its own). */
function trimFlatEdges(img: Rgb, box: Box, tol: number): Box {
  const lineFlat = (idx: (k: number) => number, n: number) => {
    // median colour of the line, then count pixels away from it
    const step = Math.max(1, Math.floor(n / 64));
    const m = Math.ceil(n / step);
    const rs = new Float64Array(m);
    const gs = new Float64Array(m);
    const bs = new Float64Array(m);
    for (let k = 0, j = 0; k < n; k += step, j++) {
      const i = idx(k);
      rs[j] = img.r[i]!;
      gs[j] = img.g[i]!;
      bs[j] = img.b[i]!;
    }
    // (numeric typed-array sort: the same order statistic as sorting the values with (p, q) => p - q)
    const med = (a: Float64Array) => a.sort()[a.length >> 1] ?? 0;
    const fr = med(rs);
    const fg = med(gs);
    const fb = med(bs);
    let bad = 0;
    // a few deviant pixels are allowed: anti-aliased corners where two blended edges meet, JPEG noise
    const lim = Math.max(2, n * 0.01);
    for (let k = 0; k < n; k++) {
      const i = idx(k);
      if ((Math.abs(img.r[i]! - fr) > tol || Math.abs(img.g[i]! - fg) > tol || Math.abs(img.b[i]! - fb) > tol) && ++bad > lim) return false;
    }
    return true;
  };
  const W = img.width;
  let { x, y, w, h } = box;
  // repeat: stripping the columns of a frame can make the rows of an inner uniform band flat
  for (let pass = 0; pass < 3; pass++) {
    const before = w * h;
    while (h > 2 && lineFlat((k) => y * W + x + k, w)) (y++, h--);
    while (h > 2 && lineFlat((k) => (y + h - 1) * W + x + k, w)) h--;
    while (w > 2 && lineFlat((k) => (y + k) * W + x, h)) (x++, w--);
    while (w > 2 && lineFlat((k) => (y + k) * W + x + w - 1, h)) w--;
    if (w * h === before) break;
  }
  return { x, y, w, h };
}

/**
 * Bounding box of the largest connected region that differs from the frame colour, on a coarse
 * grid. Returns null when it is not meaningfully smaller than the box.
 */
function largestBlob(img: Rgb, box: Box, tol: number, strict = true): Box | null {
  const [fr, fg, fb] = frameColour(img, box);
  const cell = Math.max(1, Math.floor(Math.max(box.w, box.h) / 96));
  const gw = Math.floor(box.w / cell);
  const gh = Math.floor(box.h / cell);
  if (gw < 8 || gh < 8) return null;
  const mask = new Uint8Array(gw * gh);
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      let cnt = 0;
      for (let yy = 0; yy < cell; yy++) {
        const o = (box.y + gy * cell + yy) * img.width + box.x + gx * cell;
        for (let xx = 0; xx < cell; xx++) {
          const i = o + xx;
          if (Math.abs(img.r[i]! - fr) > tol || Math.abs(img.g[i]! - fg) > tol || Math.abs(img.b[i]! - fb) > tol) cnt++;
        }
      }
      mask[gy * gw + gx] = cnt * 2 >= cell * cell ? 1 : 0;
    }
  }
  // close small gaps (one-cell dilation) so a picture with frame-coloured patches stays one blob
  const dil = new Uint8Array(gw * gh);
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      let on = 0;
      for (let dy = -1; dy <= 1 && !on; dy++) {
        const ny = gy + dy;
        if (ny < 0 || ny >= gh) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = gx + dx;
          if (nx >= 0 && nx < gw && mask[ny * gw + nx]) {
            on = 1;
            break;
          }
        }
      }
      dil[gy * gw + gx] = on;
    }
  }
  void dil;
  const label = new Int32Array(gw * gh);
  const stack = new Int32Array(gw * gh);
  let best: { n: number; id: number; x0: number; y0: number; x1: number; y1: number } | null = null;
  let total = 0;
  let next = 0;
  for (let s = 0; s < mask.length; s++) {
    if (!mask[s] || label[s]) continue;
    next++;
    let sp = 0;
    stack[sp++] = s;
    label[s] = next;
    let n = 0;
    let x0 = gw;
    let y0 = gh;
    let x1 = -1;
    let y1 = -1;
    while (sp > 0) {
      const p = stack[--sp]!;
      n++;
      const px = p % gw;
      const py = (p - px) / gw;
      if (px < x0) x0 = px;
      if (px > x1) x1 = px;
      if (py < y0) y0 = py;
      if (py > y1) y1 = py;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = py + dy;
        if (ny < 0 || ny >= gh) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = px + dx;
          if (nx < 0 || nx >= gw) continue;
          const q = ny * gw + nx;
          if (mask[q] && !label[q]) {
            label[q] = next;
            stack[sp++] = q;
          }
        }
      }
    }
    total += n;
    if (!best || n > best.n) best = { n, id: next, x0, y0, x1, y1 };
  }
  if (!best) return null;
  const bw = best.x1 - best.x0 + 1;
  const bh = best.y1 - best.y0 + 1;
  // The blob must be picture-like: big enough, and holding most of the non-frame content's area.
  if (bw * bh < 0.08 * gw * gh || bw < 6 || bh < 6) return null;
  if (bw * bh > 0.92 * gw * gh) return null;
  if (best.n < 0.25 * total) return null;
  // picture-like: the blob fills its bounding box (a photo in a chat bubble), unlike a character cut-out
  // (holes count as filled: a cell lies between blob cells along its row or its column — a picture with
  // patches of the frame colour inside it, e.g. a dark artwork in a dark-theme chat)
  let filled = 0;
  {
    const rowLo = new Int32Array(bh).fill(gw), rowHi = new Int32Array(bh).fill(-1);
    const colLo = new Int32Array(bw).fill(gh), colHi = new Int32Array(bw).fill(-1);
    for (let y = best.y0; y <= best.y1; y++)
      for (let x = best.x0; x <= best.x1; x++)
        if (label[y * gw + x] === best.id) {
          const ry = y - best.y0, cx = x - best.x0;
          if (x < rowLo[ry]!) rowLo[ry] = x;
          if (x > rowHi[ry]!) rowHi[ry] = x;
          if (y < colLo[cx]!) colLo[cx] = y;
          if (y > colHi[cx]!) colHi[cx] = y;
        }
    for (let y = best.y0; y <= best.y1; y++)
      for (let x = best.x0; x <= best.x1; x++) {
        const ry = y - best.y0, cx = x - best.x0;
        if ((x >= rowLo[ry]! && x <= rowHi[ry]!) || (y >= colLo[cx]! && y <= colHi[cx]!)) filled++;
      }
  }
  if (filled < (strict ? 0.85 : 0.6) * bw * bh) return null;
  // … and is a rectangle: each side of the bounding box is mostly covered by the blob. An ellipse or a
  // cut-out part of a character (a beak, a nose on a white background) touches its box only at points.
  const bb = best;
  const side = (n: number, at: (k: number) => number) => {
    let on = 0;
    for (let k = 0; k < n; k++) if (mask[at(k)]) on++;
    return on / n;
  };
  // (the outermost line may be a sparse blended edge: the next line in counts too)
  const row = (y: number) => side(bw, (k) => y * gw + bb.x0 + k);
  const col = (x: number) => side(bh, (k) => (bb.y0 + k) * gw + x);
  const cover = Math.min(
    Math.max(row(bb.y0), row(bb.y0 + 1)),
    Math.max(row(bb.y1), row(bb.y1 - 1)),
    Math.max(col(bb.x0), col(bb.x0 + 1)),
    Math.max(col(bb.x1), col(bb.x1 - 1)),
  );
  if (strict && cover < 0.8) return null;
  // refine the cell-aligned box to pixel edges: the outermost rows/columns (within a cell of the coarse
  // edge) where most pixels differ from the frame, so no frame/bubble margin is left inside the box
  const differs = (i: number) => Math.abs(img.r[i]! - fr) > tol || Math.abs(img.g[i]! - fg) > tol || Math.abs(img.b[i]! - fb) > tol;
  let x0 = box.x + bb.x0 * cell;
  let x1 = box.x + (bb.x1 + 1) * cell - 1;
  let y0 = box.y + bb.y0 * cell;
  let y1 = box.y + (bb.y1 + 1) * cell - 1;
  const rowFrac = (y: number) => {
    let c = 0;
    for (let x = x0; x <= x1; x++) if (differs(y * img.width + x)) c++;
    return c / (x1 - x0 + 1);
  };
  const colFrac = (x: number) => {
    let c = 0;
    for (let y = y0; y <= y1; y++) if (differs(y * img.width + x)) c++;
    return c / (y1 - y0 + 1);
  };
  const minX = box.x, maxX = box.x + box.w - 1, minY = box.y, maxY = box.y + box.h - 1;
  // grow outwards while the next line is still mostly picture, then shrink while the edge line is not
  for (let k = 0; k < cell && y0 > minY && rowFrac(y0 - 1) >= 0.5; k++) y0--;
  for (let k = 0; k < cell && y1 < maxY && rowFrac(y1 + 1) >= 0.5; k++) y1++;
  for (let k = 0; k < cell && x0 > minX && colFrac(x0 - 1) >= 0.5; k++) x0--;
  for (let k = 0; k < cell && x1 < maxX && colFrac(x1 + 1) >= 0.5; k++) x1++;
  for (let k = 0; k < 2 * cell && y1 - y0 > 8 && rowFrac(y0) < 0.5; k++) y0++;
  for (let k = 0; k < 2 * cell && y1 - y0 > 8 && rowFrac(y1) < 0.5; k++) y1--;
  for (let k = 0; k < 2 * cell && x1 - x0 > 8 && colFrac(x0) < 0.5; k++) x0++;
  for (let k = 0; k < 2 * cell && x1 - x0 > 8 && colFrac(x1) < 0.5; k++) x1--;
  return { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/**
 * Normalisation applied to gallery and query alike: strip uniform borders, then (up to 3 times) keep
 * the bounding box of the largest non-frame blob, as trace.moe and the study do.
 */
export function trimBox(img: Rgb): Box {
  let box: Box = { x: 0, y: 0, w: img.width, h: img.height };
  box = trimFlatEdges(img, box, 12);
  for (let i = 0; i < 3; i++) {
    const blob = largestBlob(img, box, 16);
    if (!blob) break;
    box = trimFlatEdges(img, blob, 12);
  }
  if (box.w < 8 || box.h < 8) return { x: 0, y: 0, w: img.width, h: img.height };
  return box;
}

/**
 * Query side only: a looser picture-region guess (the largest non-frame blob that mostly fills its box,
 * rectangular or not), for screenshots where parts of the picture blend into the chat background.
 * Null when it is not clearly different from the strict trim box.
 */
export function looseRegionBox(img: Rgb, strictBox: Box): Box | null {
  let box: Box = trimFlatEdges(img, { x: 0, y: 0, w: img.width, h: img.height }, 12);
  let found = false;
  for (let i = 0; i < 3; i++) {
    const blob = largestBlob(img, box, 16, false);
    if (!blob) break;
    box = trimFlatEdges(img, blob, 12);
    found = true;
  }
  if (!found || box.w < 16 || box.h < 16) return null;
  const ix = Math.max(0, Math.min(box.x + box.w, strictBox.x + strictBox.w) - Math.max(box.x, strictBox.x));
  const iy = Math.max(0, Math.min(box.y + box.h, strictBox.y + strictBox.h) - Math.max(box.y, strictBox.y));
  const inter = ix * iy;
  const iou = inter / (box.w * box.h + strictBox.w * strictBox.h - inter);
  return iou < 0.85 ? box : null;
}

export function trimRgb(img: Rgb): { img: Rgb; box: Box } {
  const box = trimBox(img);
  if (box.w === img.width && box.h === img.height) return { img, box };
  return { img: cropRgb(img, box.x, box.y, box.w, box.h), box };
}

// ---------------------------------------------------------------------------------------------
// Hashes

const DCT32: Float32Array = (() => {
  // rows 0..7 of the 32-point DCT-II basis
  const m = new Float32Array(8 * 32);
  for (let k = 0; k < 8; k++) for (let n = 0; n < 32; n++) m[k * 32 + n] = Math.cos((Math.PI / 32) * (n + 0.5) * k);
  return m;
})();

function bitsToCode(bits: ArrayLike<number>): Code64 {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 32; i++) hi = (hi << 1) | (bits[i]! ? 1 : 0);
  for (let i = 32; i < 64; i++) lo = (lo << 1) | (bits[i]! ? 1 : 0);
  return { hi: hi >>> 0, lo: lo >>> 0 };
}

/** DCT pHash (imagehash-style) of a grey plane. */
export function phashPlane(p: Plane): Code64 {
  const s = resizePlane(p.data, p.width, p.height, 32, 32);
  // rows: tmp[k][x] for k<8
  const tmp = new Float32Array(8 * 32);
  for (let k = 0; k < 8; k++) {
    for (let x = 0; x < 32; x++) {
      let acc = 0;
      for (let y = 0; y < 32; y++) acc += DCT32[k * 32 + y]! * s[y * 32 + x]!;
      tmp[k * 32 + x] = acc;
    }
  }
  const c = new Float32Array(64);
  for (let k = 0; k < 8; k++) {
    for (let l = 0; l < 8; l++) {
      let acc = 0;
      for (let x = 0; x < 32; x++) acc += DCT32[l * 32 + x]! * tmp[k * 32 + x]!;
      c[k * 8 + l] = acc;
    }
  }
  // (numeric typed-array sort: the same order statistics as sorting the values with (a, b) => a - b)
  const sorted = Float32Array.from(c).sort();
  const med = (sorted[31]! + sorted[32]!) / 2;
  const bits = new Uint8Array(64);
  for (let i = 0; i < 64; i++) bits[i] = c[i]! > med ? 1 : 0;
  return bitsToCode(bits);
}

/** Horizontal-gradient dHash of a grey plane. */
export function dhashPlane(p: Plane): Code64 {
  const s = resizePlane(p.data, p.width, p.height, 9, 8);
  const bits = new Uint8Array(64);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) bits[y * 8 + x] = s[y * 9 + x + 1]! > s[y * 9 + x]! ? 1 : 0;
  return bitsToCode(bits);
}

export function codeToBitString(c: Code64): string {
  return c.hi.toString(2).padStart(32, '0') + c.lo.toString(2).padStart(32, '0');
}

export function bitStringToCode(s: string): Code64 {
  if (!/^[01]{64}$/.test(s)) throw new Error('expected a 64-character bit string');
  return { hi: parseInt(s.slice(0, 32), 2) >>> 0, lo: parseInt(s.slice(32), 2) >>> 0 };
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function hamming(a: Code64, b: Code64): number {
  return popcount32((a.hi ^ b.hi) >>> 0) + popcount32((a.lo ^ b.lo) >>> 0);
}

export const CROP_FRACTIONS = [0.05, 0.1, 0.15] as const;
/** Corner crops keep this fraction of each side (a band cut from two adjacent sides). */
export const CORNER_KEEP = 0.82;
const CORNERS: [number, number][] = [
  [0, 0],
  [1, 0],
  [0, 1],
  [1, 1],
];

function cornerCropPlane(p: Plane, keep: number, ax: number, ay: number): Plane {
  const w = Math.max(1, Math.round(p.width * keep));
  const h = Math.max(1, Math.round(p.height * keep));
  const x = ax ? p.width - w : 0;
  const y = ay ? p.height - h : 0;
  const out = new Float32Array(w * h);
  for (let row = 0; row < h; row++) out.set(p.data.subarray((y + row) * p.width + x, (y + row) * p.width + x + w), row * w);
  return { width: w, height: h, data: out };
}

function centreCropPlane(p: Plane, f: number): Plane {
  const x = Math.round(p.width * f);
  const y = Math.round(p.height * f);
  const w = Math.max(1, p.width - 2 * x);
  const h = Math.max(1, p.height - 2 * y);
  const out = new Float32Array(w * h);
  for (let row = 0; row < h; row++) out.set(p.data.subarray((y + row) * p.width + x, (y + row) * p.width + x + w), row * w);
  return { width: w, height: h, data: out };
}

// ---------------------------------------------------------------------------------------------
// iqdb-style Haar signature

/** imgSeek/iqdb weights for "scanned" pictures: [bin][channel]. */
export const HAAR_WEIGHTS: readonly (readonly [number, number, number])[] = [
  [5.0, 19.21, 34.37],
  [0.83, 1.26, 0.36],
  [1.01, 0.44, 0.45],
  [0.52, 0.53, 0.14],
  [0.47, 0.28, 0.18],
  [0.3, 0.14, 0.27],
];

/** imgbin: min(max(row, col), 5) for each of the 128×128 positions. */
export const HAAR_BIN: Uint8Array = (() => {
  const b = new Uint8Array(HAAR_SIZE * HAAR_SIZE);
  for (let i = 0; i < HAAR_SIZE; i++) for (let j = 0; j < HAAR_SIZE; j++) b[i * HAAR_SIZE + j] = Math.min(Math.max(i, j), 5);
  return b;
})();

function haar1d(a: Float32Array, off: number, stride: number, n: number, tmp: Float32Array, t: Float32Array) {
  // standard (full) decomposition of one row/column, imgSeek-style (divide by sqrt 2)
  const sq = Math.sqrt(n);
  for (let i = 0; i < n; i++) tmp[i] = a[off + i * stride]! / sq;
  let h = n;
  while (h > 1) {
    const h1 = h >> 1;
    for (let k = 0; k < h1; k++) {
      const x = tmp[2 * k]!;
      const y = tmp[2 * k + 1]!;
      t[k] = (x + y) / Math.SQRT2;
      t[k + h1] = (x - y) / Math.SQRT2;
    }
    for (let k = 0; k < h; k++) tmp[k] = t[k]!;
    h = h1;
  }
  for (let i = 0; i < n; i++) a[off + i * stride] = tmp[i]!;
}

function haar2d(a: Float32Array) {
  const n = HAAR_SIZE;
  const tmp = new Float32Array(n);
  const t = new Float32Array(n);
  for (let r = 0; r < n; r++) haar1d(a, r * n, 1, n, tmp, t);
  for (let c = 0; c < n; c++) haar1d(a, c, n, n, tmp, t);
}

function topCoefs(a: Float32Array, k: number): number[] {
  // indices (excluding DC) of the k largest |a[i]|, ties broken by lower index; sorted by index
  const idx = new Int32Array(k);
  const mag = new Float32Array(k);
  let n = 0;
  let minPos = 0;
  for (let i = 1; i < a.length; i++) {
    const m = Math.abs(a[i]!);
    if (n < k) {
      idx[n] = i;
      mag[n] = m;
      n++;
      if (n === k) {
        minPos = 0;
        for (let j = 1; j < k; j++) if (mag[j]! < mag[minPos]!) minPos = j;
      }
    } else if (m > mag[minPos]!) {
      idx[minPos] = i;
      mag[minPos] = m;
      minPos = 0;
      for (let j = 1; j < k; j++) if (mag[j]! < mag[minPos]!) minPos = j;
    }
  }
  return Array.from(idx.subarray(0, n)).sort((x, y) => x - y);
}

/** Position permutation and sign of a full 1-D Haar decomposition when the signal is reversed. */
const HAAR_FLIP: { perm: Int32Array; sign: Float32Array } = (() => {
  const n = HAAR_SIZE;
  const perm = new Int32Array(n);
  const sign = new Float32Array(n);
  perm[0] = 0;
  sign[0] = 1;
  for (let m = 1; m < n; m *= 2) {
    for (let j = 0; j < m; j++) {
      perm[m + j] = m + (m - 1 - j);
      sign[m + j] = -1;
    }
  }
  return { perm, sign };
})();

function signatureOfPlanes(planes: Float32Array[]): { dc: [number, number, number]; coefs: Int16Array } {
  const n = HAAR_SIZE;
  const coefs = new Int16Array(3 * HAAR_COEFS);
  const dc: [number, number, number] = [0, 0, 0];
  planes.forEach((ch, c) => {
    dc[c] = ch[0]! / (n * 256);
    const idx = topCoefs(ch, HAAR_COEFS);
    idx.forEach((p, k) => {
      coefs[c * HAAR_COEFS + k] = ch[p]! > 0 ? p : -p;
    });
  });
  return { dc, coefs };
}

/**
 * Haar signatures of an image and of its mirror image. The mirror's transform is derived from the
 * image's (reversing a row permutes and negates its detail coefficients), so the pair costs one.
 */
export function haarSignaturePair(img: Rgb): { plain: ReturnType<typeof haarSignature>; mirror: ReturnType<typeof haarSignature> } {
  const planes = haarPlanes(img);
  const n = HAAR_SIZE;
  const { perm, sign } = HAAR_FLIP;
  const mirrored = planes.map((ch) => {
    const out = new Float32Array(n * n);
    for (let r = 0; r < n; r++) {
      const o = r * n;
      for (let c = 0; c < n; c++) out[o + perm[c]!] = sign[c]! * ch[o + c]!;
    }
    return out;
  });
  return { plain: signatureOfPlanes(planes), mirror: signatureOfPlanes(mirrored) };
}

function haarPlanes(img: Rgb): Float32Array[] {
  const n = HAAR_SIZE;
  const r = resizePlane(img.r, img.width, img.height, n, n);
  const g = resizePlane(img.g, img.width, img.height, n, n);
  const b = resizePlane(img.b, img.width, img.height, n, n);
  const Y = new Float32Array(n * n);
  const I = new Float32Array(n * n);
  const Q = new Float32Array(n * n);
  for (let i = 0; i < n * n; i++) {
    const R = r[i]!;
    const G = g[i]!;
    const B = b[i]!;
    Y[i] = 0.299 * R + 0.587 * G + 0.114 * B;
    I[i] = 0.596 * R - 0.275 * G - 0.321 * B;
    Q[i] = 0.212 * R - 0.523 * G + 0.311 * B;
  }
  for (const ch of [Y, I, Q]) haar2d(ch);
  return [Y, I, Q];
}

export function haarSignature(img: Rgb): { dc: [number, number, number]; coefs: Int16Array } {
  return signatureOfPlanes(haarPlanes(img));
}

/** Max possible match weight of a signature (sum of its coefficient weights). */
export function haarMaxWeight(coefs: Int16Array): number {
  let m = 0;
  for (let c = 0; c < 3; c++) for (let k = 0; k < HAAR_COEFS; k++) m += HAAR_WEIGHTS[HAAR_BIN[Math.abs(coefs[c * HAAR_COEFS + k]!)]!]![c]!;
  return m;
}

/** Normalised iqdb distance: 0 = identical, ~1 = unrelated. */
export function haarDistance(
  q: { dc: readonly number[]; coefs: Int16Array },
  t: { dc: readonly number[]; coefs: Int16Array },
  tSet?: Set<number>,
): number {
  let s = 0;
  for (let c = 0; c < 3; c++) s += HAAR_WEIGHTS[0]![c]! * Math.abs(q.dc[c]! - t.dc[c]!);
  const set = tSet ?? haarKeySet(t.coefs);
  let matched = 0;
  let max = 0;
  for (let c = 0; c < 3; c++) {
    for (let k = 0; k < HAAR_COEFS; k++) {
      const v = q.coefs[c * HAAR_COEFS + k]!;
      const w = HAAR_WEIGHTS[HAAR_BIN[Math.abs(v)]!]![c]!;
      max += w;
      if (set.has(haarKey(c, v))) matched += w;
    }
  }
  return (s + max - matched) / max;
}

export function haarKey(channel: number, signedPos: number): number {
  // bucket id: channel * 2 * 16384 + sign * 16384 + pos
  return channel * 32768 + (signedPos < 0 ? 16384 : 0) + Math.abs(signedPos);
}

export function haarKeySet(coefs: Int16Array): Set<number> {
  const s = new Set<number>();
  for (let c = 0; c < 3; c++) for (let k = 0; k < HAAR_COEFS; k++) s.add(haarKey(c, coefs[c * HAAR_COEFS + k]!));
  return s;
}

// ---------------------------------------------------------------------------------------------
// Verification image

export function verifyImage(p: Plane, side = VERIFY_SIDE): { width: number; height: number; data: Uint8Array } {
  const scale = side / Math.max(p.width, p.height);
  const w = Math.max(4, Math.round(p.width * scale));
  const h = Math.max(4, Math.round(p.height * scale));
  const d = resizePlane(p.data, p.width, p.height, w, h);
  const out = new Uint8Array(w * h);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(d[i]!)));
  return { width: w, height: h, data: out };
}

/** YIQ chroma planes (I then Q) of an RGB image at w×h, int8 (value / 1.25). */
export function chromaImage(img: Rgb, w: number, h: number): { width: number; height: number; data: Int8Array } {
  const r = resizePlane(img.r, img.width, img.height, w, h);
  const g = resizePlane(img.g, img.width, img.height, w, h);
  const b = resizePlane(img.b, img.width, img.height, w, h);
  const n = w * h;
  const out = new Int8Array(2 * n);
  const q8 = (v: number) => Math.max(-127, Math.min(127, Math.round(v / 1.25)));
  for (let i = 0; i < n; i++) {
    out[i] = q8(0.596 * r[i]! - 0.275 * g[i]! - 0.321 * b[i]!);
    out[n + i] = q8(0.212 * r[i]! - 0.523 * g[i]! + 0.311 * b[i]!);
  }
  return { width: w, height: h, data: out };
}

/** Grey verification image plus half-resolution chroma. */
export function verifyData(img: Rgb, grey: Plane): VerifyData {
  const v = verifyImage(grey);
  const chroma = chromaImage(img, Math.max(2, Math.round(v.width / 2)), Math.max(2, Math.round(v.height / 2)));
  return { ...v, chroma };
}

// ---------------------------------------------------------------------------------------------

/** Signatures of an already normalised (trimmed) image. */
export function featuresOfNormalised(img: Rgb): ImageFeatures {
  const grey = greyOf(img);
  const haar = haarSignature(img);
  return {
    version: FEATURES_VERSION,
    phash: phashPlane(grey),
    dhash: dhashPlane(grey),
    cropHashes: [
      ...CROP_FRACTIONS.map((f) => phashPlane(centreCropPlane(grey, f))),
      ...CORNERS.map(([cx, cy]) => phashPlane(cornerCropPlane(grey, CORNER_KEEP, cx, cy))),
    ],
    haarDc: haar.dc,
    haarCoefs: haar.coefs,
    verify: verifyData(img, grey),
  };
}

/** Normalises (trim) then computes the stored signatures. */
export function computeFeatures(img: Rgb): ImageFeatures {
  return featuresOfNormalised(trimRgb(img).img);
}

// ---------------------------------------------------------------------------------------------
// Serialisation (one bytea blob per artwork)

const BLOB_MAGIC = 0x57; // 'W'

export function serializeFeatures(f: ImageFeatures): Buffer {
  const vlen = f.verify.data.length;
  const clen = f.verify.chroma.data.length;
  const size = 1 + 1 + 8 * (2 + f.cropHashes.length) + 1 + 12 + 2 * f.haarCoefs.length + 2 + 2 + vlen + 4 + clen;
  const buf = Buffer.alloc(size);
  let o = 0;
  buf.writeUInt8(BLOB_MAGIC, o++);
  buf.writeUInt8(f.version, o++);
  const code = (c: Code64) => {
    buf.writeUInt32BE(c.hi, o);
    buf.writeUInt32BE(c.lo, o + 4);
    o += 8;
  };
  code(f.phash);
  code(f.dhash);
  buf.writeUInt8(f.cropHashes.length, o++);
  f.cropHashes.forEach(code);
  for (const d of f.haarDc) (buf.writeFloatLE(d, o), (o += 4));
  for (const v of f.haarCoefs) (buf.writeInt16LE(v, o), (o += 2));
  buf.writeUInt16LE(f.verify.width, o);
  buf.writeUInt16LE(f.verify.height, o + 2);
  o += 4;
  Buffer.from(f.verify.data.buffer, f.verify.data.byteOffset, vlen).copy(buf, o);
  o += vlen;
  buf.writeUInt16LE(f.verify.chroma.width, o);
  buf.writeUInt16LE(f.verify.chroma.height, o + 2);
  o += 4;
  Buffer.from(f.verify.chroma.data.buffer, f.verify.chroma.data.byteOffset, clen).copy(buf, o);
  return buf;
}

export function deserializeFeatures(buf: Uint8Array): ImageFeatures {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let o = 0;
  if (b.readUInt8(o++) !== BLOB_MAGIC) throw new Error('not an image-features blob');
  const version = b.readUInt8(o++);
  const code = (): Code64 => {
    const c = { hi: b.readUInt32BE(o), lo: b.readUInt32BE(o + 4) };
    o += 8;
    return c;
  };
  const phash = code();
  const dhash = code();
  const nc = b.readUInt8(o++);
  const cropHashes: Code64[] = [];
  for (let i = 0; i < nc; i++) cropHashes.push(code());
  const haarDc: [number, number, number] = [b.readFloatLE(o), b.readFloatLE(o + 4), b.readFloatLE(o + 8)];
  o += 12;
  const haarCoefs = new Int16Array(3 * HAAR_COEFS);
  for (let i = 0; i < haarCoefs.length; i++) (haarCoefs[i] = b.readInt16LE(o), (o += 2));
  const width = b.readUInt16LE(o);
  const height = b.readUInt16LE(o + 2);
  o += 4;
  const data = new Uint8Array(b.subarray(o, o + width * height));
  o += width * height;
  const cw = b.readUInt16LE(o);
  const ch = b.readUInt16LE(o + 2);
  o += 4;
  const cbytes = b.subarray(o, o + 2 * cw * ch);
  const cdata = new Int8Array(cbytes.length);
  cdata.set(new Int8Array(cbytes.buffer, cbytes.byteOffset, cbytes.length));
  return { version, phash, dhash, cropHashes, haarDc, haarCoefs, verify: { width, height, data, chroma: { width: cw, height: ch, data: cdata } } };
}
