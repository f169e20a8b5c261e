/**
 * Identity-level check of an aligned pair, region by region: caption lines over the query are found
 * and left out, then tone and colour must agree in every cell of a grid over the rest. A global,
 * hue-tolerant colour score cannot separate two characters drawn from one template (a green and a
 * teal villager of one species): one region recoloured, or two swapped, leaves most of the picture
 * identical, but the cells holding that region disagree.
 */
import { resizePlane } from './resize.js';
import type { Chroma, VImg } from './verify-images.js';
import { flatCover } from './flat-cover.js';
import { structureMisfit } from './local-structure.js';
import { MIN_TURN, MIN_TURN_ENLARGED, unturnedShare } from './colour-unturned.js';
import { kthSmallest } from './order-statistic.js';

export interface RegionEvidence {
  /** Share of the aligned picture left out as caption/overlay lines or flat covers (0..1). */
  occluded: number;
  /** The part of `occluded` under a flat cover (a sticker: the query flat where the original has detail). */
  covered: number;
  /** Rotation of the query's colours against the candidate's, degrees (−180..180); NaN when both are grey. */
  hueShift: number;
  /** Worst cell's colour misfit after that rotation: 0 = same colours, ≈ 1 = unrelated; NaN when both are grey. */
  colourMisfit: number;
  /** Worst cell's tone misfit after the picture-wide linear fit, relative to the picture's variance, in
   * excess of the median cell's. */
  toneMisfit: number;
  /** Largest turn of a colourful cell's own colours against the picture-wide turn, degrees (0..180); NaN
   * when both are grey. A recoloured region turns on its own; a filter or re-encode turns every cell alike. */
  cellTurn: number;
  /** Worst compact block's structure misfit (local-structure.ts): another face over the same template
   * reads ≥ 0.5, re-posts ≤ 0.2; NaN with too little detail. */
  structureMisfit: number;
  /** Share of the colour that kept its hue while the picture turned (colour-unturned.ts): a filter turns
   * every colour, a recolour leaves the rest as it was. */
  unturned: number;
}

export interface RegionAgreement extends RegionEvidence {
  /** 1 for the pixels of `small` outside the caption rows: the pixels that carry evidence. */
  keep: Uint8Array;
}

/** The alignment: small pixel (u, v) centre sits at big (x + (u + ½)·sx, y + (v + ½)·sy). */
export interface Placement {
  x: number;
  y: number;
  sx: number;
  sy: number;
  /** Size of the big grey image the placement refers to. */
  bigWidth: number;
  bigHeight: number;
}

/** Grid cells per side for tone (6 × 6) and colour (4 × 4, the chroma planes have half the resolution). */
const TONE_GRID = 6;
const GRID = 4;
/** Chroma floor per pixel (CIELAB a*b* units squared): near-grey cells and thin coloured lines (where blur and JPEG chroma subsampling dominate) read as agreeing; a recoloured region is saturated. */
const CHROMA_FLOOR = 150;
/** A cell's own turn is measured where its colours are this strong (mean |z_query|·|z_artwork|, a*b* units²: chroma ≥ 5). */
const TURN_CHROMA = 25;
/** Cells with fewer kept pixels than this share carry no evidence. */
const MIN_CELL_KEPT = 0.4;

/**
 * Region evidence of `small` against `win` (the big image resampled into small's frame), with the
 * colour planes of both and the placement that produced `win`.
 */
export function regionAgreement(
  small: VImg,
  win: VImg,
  big: VImg,
  smallChroma: Chroma | undefined,
  bigChroma: Chroma | undefined,
  at: Placement,
  /** Pixels of `small` known to be covered (caption lines painted out of the query). */
  hidden?: Uint8Array,
  /** Chroma pixels each side of the box both colour planes are smoothed with before the comparison. */
  colourRadius = 1,
  /** Which side is the query: `small` (it sits inside the original) or `win` (the original inside it). */
  queryIsSmall = true,
): RegionAgreement {
  const w = small.width;
  const h = small.height;
  const n = w * h;
  // compared one scale coarser (3 × 3 box): blur, JPEG and sub-pixel misalignment of a re-post then
  // leave edges alone, while a recoloured region or another face spans whole cells
  grow(n);
  const a = box3Once(small);
  const b = box3(win, scratch.b);
  // picture-wide linear fit (tone curve, contrast), refitted without the worst 15 %
  const fit = (keep: (i: number) => boolean) => {
    let sa = 0, sb = 0, saa = 0, sab = 0, m = 0;
    for (let i = 0; i < n; i++) {
      if (!keep(i)) continue;
      sa += a[i]!; sb += b[i]!; saa += a[i]! * a[i]!; sab += a[i]! * b[i]!; m++;
    }
    const va = saa - (sa * sa) / Math.max(1, m);
    const slope = va > 1e-6 ? (sab - (sa * sb) / m) / va : 0;
    return { slope, off: sb / Math.max(1, m) - (slope * sa) / Math.max(1, m) };
  };
  // flat covers (stickers) over the query: out of the fit, and left out below like caption pixels
  const cover = flatCover(queryIsSmall ? small.data : win.data, queryIsSmall ? win.data : small.data, w, h);
  let f = fit((i) => !hidden?.[i] && !cover?.[i]);
  const res = scratch.res.subarray(0, n);
  const residuals = () => {
    for (let i = 0; i < n; i++) res[i] = Math.abs(b[i]! - (f.off + f.slope * a[i]!));
  };
  residuals();
  const cut = n > 0 ? kthSmallest(copyInto(scratch.order, res), Math.floor(n * 0.85)) : Infinity;
  f = fit((i) => res[i]! <= cut && !hidden?.[i] && !cover?.[i]);
  residuals();

  // occluded pixels: those the query's own text detection painted out, dilated by one pixel
  // (anti-aliased outlines). Decided from the query alone (text strokes), never from disagreement with
  // the candidate: a changed face or region cannot be explained away as an overlay.
  const occ = scratch.occ.fill(0, 0, n).subarray(0, n);
  if (hidden)
    for (let v = 0; v < h; v++)
      for (let u = 0; u < w; u++) {
        if (!hidden[v * w + u]) continue;
        for (let y = Math.max(0, v - 1); y <= Math.min(h - 1, v + 1); y++) occ.fill(1, y * w + Math.max(0, u - 1), y * w + Math.min(w, u + 2));
      }
  let covered = 0;
  if (cover) for (let i = 0; i < n; i++) if (cover[i] && !occ[i]) (occ[i] = 1), covered++;
  let occluded = 0;
  for (let i = 0; i < n; i++) occluded += occ[i]!;

  // tone: per-cell mean squared residual over the picture's (kept) variance
  let sb = 0, sbb = 0, kept = 0;
  for (let i = 0; i < n; i++) {
    if (occ[i]) continue;
    const q = b[i]!;
    sb += q; sbb += q * q; kept++;
  }
  const variance = Math.max(25, sbb / Math.max(1, kept) - (sb / Math.max(1, kept)) ** 2);
  // per cell; what counts is the worst cell's excess over the typical cell: a changed face or region
  // stands out of the rest, while blur and JPEG of a degraded re-post raise every cell alike
  const cells: number[] = [];
  for (let gy = 0; gy < TONE_GRID; gy++)
    for (let gx = 0; gx < TONE_GRID; gx++) {
      const u0 = Math.floor((gx * w) / TONE_GRID), u1 = Math.floor(((gx + 1) * w) / TONE_GRID);
      const v0 = Math.floor((gy * h) / TONE_GRID), v1 = Math.floor(((gy + 1) * h) / TONE_GRID);
      let e = 0, m = 0;
      for (let v = v0; v < v1; v++)
        for (let u = u0; u < u1; u++) if (!occ[v * w + u]) (e += res[v * w + u]! ** 2), m++;
      if (m >= MIN_CELL_KEPT * (u1 - u0) * (v1 - v0) && m > 0) cells.push(e / m / variance);
    }
  cells.sort((x, y) => x - y);
  const toneMisfit = cells.length ? cells[cells.length - 1]! - cells[cells.length >> 1]! : 0;

  const colour = smallChroma && bigChroma ? colourCells(small, smallChroma, big, bigChroma, occ, at, colourRadius) : { hueShift: NaN, misfit: NaN, cellTurn: NaN, unturned: 0 };
  const keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) keep[i] = occ[i] ? 0 : 1;
  return {
    occluded: occluded / n,
    covered: covered / n,
    hueShift: colour.hueShift,
    colourMisfit: colour.misfit,
    toneMisfit,
    cellTurn: colour.cellTurn,
    structureMisfit: structureMisfit(a, b, occ, w, h, queryIsSmall),
    unturned: colour.unturned,
    keep,
  };
}

// per-pair arrays reused by every call (synchronous, none kept past a call; each written before it is
// read): the window smoothed, the residuals and their copy to select from, the occluded pixels, and
// colourCells' aligned colour planes
const scratch = {
  b: new Float32Array(0),
  tmp: new Float32Array(0),
  res: new Float32Array(0),
  order: new Float32Array(0),
  occ: new Uint8Array(0),
  zs: new Float32Array(0),
  zb: new Float32Array(0),
  zcopy: new Float32Array(0),
  keep: new Uint8Array(0),
};
function grow(n: number): void {
  if (scratch.b.length >= n) return;
  scratch.b = new Float32Array(n);
  scratch.tmp = new Float32Array(n);
  scratch.res = new Float32Array(n);
  scratch.order = new Float32Array(n);
  scratch.occ = new Uint8Array(n);
  // (the chroma planes have fewer pixels than the grey one: 2 values per chroma pixel fit in 2n)
  scratch.zs = new Float32Array(2 * n);
  scratch.zb = new Float32Array(2 * n);
  scratch.zcopy = new Float32Array(2 * n);
  scratch.keep = new Uint8Array(n);
}
const copyInto = (dst: Float32Array, src: Float32Array) => (dst.set(src), dst.subarray(0, src.length));

// `small` is a query variant or a candidate, the same picture for many pairs: smoothed once
const BOX3 = new WeakMap<Float32Array, { w: number; out: Float32Array }>();
function box3Once(v: VImg): Float32Array {
  const seen = BOX3.get(v.data);
  if (seen && seen.w === v.width) return seen.out;
  const out = box3(v);
  BOX3.set(v.data, { w: v.width, out });
  return out;
}

function box3(v: VImg, out = new Float32Array(v.width * v.height)): Float32Array {
  const { width: w, height: h, data } = v;
  if (scratch.tmp.length < w * h) grow(w * h);
  const tmp = scratch.tmp;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const l = Math.max(0, x - 1), r = Math.min(w - 1, x + 1);
      tmp[y * w + x] = (data[y * w + l]! + data[y * w + x]! + data[y * w + r]!) / 3;
    }
  for (let y = 0; y < h; y++) {
    const t = Math.max(0, y - 1), btm = Math.min(h - 1, y + 1);
    for (let x = 0; x < w; x++) out[y * w + x] = (tmp[t * w + x]! + tmp[y * w + x]! + tmp[btm * w + x]!) / 3;
  }
  return out;
}

/** Bilinear sample of a plane of width w, height h. */
function sample(d: Float32Array, w: number, h: number, fx: number, fy: number): number {
  const x = Math.max(0, Math.min(w - 1.001, fx));
  const y = Math.max(0, Math.min(h - 1.001, fy));
  const x0 = x | 0, y0 = y | 0, tx = x - x0, ty = y - y0;
  const o = y0 * w + x0;
  const top = d[o]! + (d[o + 1]! - d[o]!) * tx;
  const bot = d[o + w]! + (d[o + w + 1]! - d[o + w]!) * tx;
  return top + (bot - top) * ty;
}

/** sRGB → linear, tabulated at ¼ grey level. */
const LINEAR = Float32Array.from({ length: 1021 }, (_, i) => {
  const c = i / 4 / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});
const toLinear = (v: number) => LINEAR[Math.max(0, Math.min(1020, Math.round(v * 4)))]!;
const labF = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);

/**
 * CIELAB a*, b* at the chroma resolution, from the grey image (YIQ luma) and the stored YIQ chroma:
 * hue filters and re-encodes rotate colours in a perceptual space (libvips' hue turns LCh), where one
 * rotation fits the whole picture; in YIQ the same filter turns each hue by a different angle.
 */
export function labChroma(grey: VImg, c: Chroma): { a: Float32Array; b: Float32Array } {
  // one conversion per picture, reused by every pair it is verified in
  const cached = LAB_CACHE.get(c);
  if (cached && cached.grey === grey.data) return cached.lab;
  const lab = computeLab(grey, c);
  LAB_CACHE.set(c, { grey: grey.data, lab });
  return lab;
}

const LAB_CACHE = new WeakMap<Chroma, { grey: Float32Array; lab: { a: Float32Array; b: Float32Array } }>();

function computeLab(grey: VImg, c: Chroma): { a: Float32Array; b: Float32Array } {
  const n = c.width * c.height;
  const y = resizePlane(grey.data, grey.width, grey.height, c.width, c.height);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const ci = c.data[i]! * 1.25, cq = c.data[n + i]! * 1.25, Y = y[i]!;
    const r = toLinear(Y + 0.956 * ci + 0.619 * cq);
    const g = toLinear(Y - 0.272 * ci - 0.647 * cq);
    const bl = toLinear(Y - 1.106 * ci + 1.703 * cq);
    const fx = labF((0.4124 * r + 0.3576 * g + 0.1805 * bl) / 0.95047);
    const fy = labF(0.2126 * r + 0.7152 * g + 0.0722 * bl);
    const fz = labF((0.0193 * r + 0.1192 * g + 0.9505 * bl) / 1.08883);
    a[i] = 500 * (fx - fy);
    b[i] = 200 * (fy - fz);
  }
  return { a, b };
}

/**
 * The query-wide hue rotation (argument of Σ conj(z_small)·z_big, z = a* + i·b*) and the worst cell's
 * misfit Σ|z_small·e^{iθ} − z_big|² / Σ(|z_small|² + |z_big|² + floor): ½(1 − cos φ) for a region
 * rotated by φ against the rest, so 0.25 at 60°, 0.5 at 90°.
 */
function colourCells(
  small: VImg,
  sc: Chroma,
  big: VImg,
  bc: Chroma,
  occ: Uint8Array,
  at: Placement,
  radius: number,
): { hueShift: number; misfit: number; cellTurn: number; unturned: number } {
  const sn = sc.width * sc.height;
  const sLab = labChroma(small, sc);
  const bLab = labChroma(big, bc);
  const kx = bc.width / at.bigWidth;
  const ky = bc.height / at.bigHeight;
  const gxOf = small.width / sc.width;
  const gyOf = small.height / sc.height;
  if (scratch.zs.length < 2 * sn) grow(sn);
  // (only kept pixels are ever read)
  const zs = scratch.zs.subarray(0, 2 * sn);
  const zb = scratch.zb.subarray(0, 2 * sn);
  const keep = scratch.keep.fill(0, 0, sn).subarray(0, sn);
  for (let v = 0; v < sc.height; v++) {
    const gy = (v + 0.5) * gyOf;
    const by = (at.y + gy * at.sy) * ky - 0.5;
    const gy0 = Math.max(0, Math.floor(v * gyOf) - 1), gy1 = Math.min(small.height - 1, Math.ceil((v + 1) * gyOf));
    for (let u = 0; u < sc.width; u++) {
      const i = v * sc.width + u;
      // a chroma pixel spans gxOf × gyOf grey pixels: left out when any of them (or a neighbour:
      // chroma bleeds across a caption's outline) is occluded
      const gx0 = Math.max(0, Math.floor(u * gxOf) - 1), gx1 = Math.min(small.width - 1, Math.ceil((u + 1) * gxOf));
      let hidden = false;
      for (let y = gy0; y <= gy1 && !hidden; y++) for (let x = gx0; x <= gx1; x++) if (occ[y * small.width + x]) (hidden = true);
      if (hidden) continue;
      const gx = (u + 0.5) * gxOf;
      const bx = (at.x + gx * at.sx) * kx - 0.5;
      const si = sLab.a[i]!, sq = sLab.b[i]!;
      const pi = sample(bLab.a, bc.width, bc.height, bx, by), pq = sample(bLab.b, bc.width, bc.height, bx, by);
      zs[2 * i] = si, zs[2 * i + 1] = sq, zb[2 * i] = pi, zb[2 * i + 1] = pq, keep[i] = 1;
    }
  }
  // both sides compared one scale coarser (box over the kept neighbours): the chroma of a small or
  // heavily compressed re-post is blurred (JPEG keeps it at half resolution, in 8 × 8 blocks), so a
  // colour edge misfits along its length, while a recoloured region spans whole cells
  if (radius > 0) {
    smoothKept(zs, keep, sc.width, sc.height, radius);
    smoothKept(zb, keep, sc.width, sc.height, radius);
  }
  let re = 0, im = 0, ss = 0, bb = 0, m = 0;
  for (let i = 0; i < sn; i++) {
    if (!keep[i]) continue;
    const si = zs[2 * i]!, sq = zs[2 * i + 1]!, pi = zb[2 * i]!, pq = zb[2 * i + 1]!;
    // conj(si + i·sq)·(pi + i·pq)
    re += si * pi + sq * pq;
    im += si * pq - sq * pi;
    ss += si * si + sq * sq;
    bb += pi * pi + pq * pq;
    m++;
  }
  // both nearly grey: no colour evidence
  if (m === 0 || (ss / m < 16 && bb / m < 16)) return { hueShift: NaN, misfit: NaN, cellTurn: NaN, unturned: 0 };
  const theta = Math.atan2(im, re);
  const cr = Math.cos(theta), ci = Math.sin(theta);
  // a window's misfit: Σ|z_s·e^{iθ} − z_b|² / Σ(|z_s|² + |z_b|² + floor); its own turn against θ
  const windowFit = (u0: number, u1: number, v0: number, v1: number) => {
    let num = 0, den = 0, cnt = 0, cre = 0, cim = 0, mag = 0;
    for (let v = v0; v < v1; v++)
      for (let u = u0; u < u1; u++) {
        const i = v * sc.width + u;
        if (!keep[i]) continue;
        const xr = zs[2 * i]! * cr - zs[2 * i + 1]! * ci;
        const xi = zs[2 * i]! * ci + zs[2 * i + 1]! * cr;
        const pr = zb[2 * i]!, pq = zb[2 * i + 1]!;
        num += (xr - pr) ** 2 + (xi - pq) ** 2;
        den += xr * xr + xi * xi + pr * pr + pq * pq + CHROMA_FLOOR;
        cre += xr * pr + xi * pq;
        cim += xr * pq - xi * pr;
        mag += Math.sqrt((xr * xr + xi * xi) * (pr * pr + pq * pq));
        cnt++;
      }
    return { ok: cnt > 0 && cnt >= MIN_CELL_KEPT * (u1 - u0) * (v1 - v0), misfit: num / Math.max(1e-9, den), cnt, cre, cim, mag };
  };
  // misfit: windows of a quarter of each side stepped by half a window, so that a recoloured region
  // straddling two cells of a fixed grid still fills one window
  let worst = 0;
  const ww = sc.width / GRID, wh = sc.height / GRID;
  for (let oy = 0; oy + wh <= sc.height + 1e-6; oy += wh / 2)
    for (let ox = 0; ox + ww <= sc.width + 1e-6; ox += ww / 2) {
      const f = windowFit(Math.floor(ox), Math.min(sc.width, Math.floor(ox + ww)), Math.floor(oy), Math.min(sc.height, Math.floor(oy + wh)));
      if (f.ok) worst = Math.max(worst, f.misfit);
    }
  // turn: per grid cell with colour (mean |z_s|·|z_b| ≥ TURN_CHROMA) that turns coherently (|Σ| ≥ ½ Σ|·|):
  // unlike the misfit, not diluted by the floor where a recolour is pale
  let cellTurn = 0;
  for (let gy = 0; gy < GRID; gy++)
    for (let gx = 0; gx < GRID; gx++) {
      const f = windowFit(Math.floor((gx * sc.width) / GRID), Math.floor(((gx + 1) * sc.width) / GRID), Math.floor((gy * sc.height) / GRID), Math.floor(((gy + 1) * sc.height) / GRID));
      if (!f.ok || f.mag < TURN_CHROMA * f.cnt || Math.hypot(f.cre, f.cim) < 0.5 * f.mag) continue;
      cellTurn = Math.max(cellTurn, Math.abs((Math.atan2(f.cim, f.cre) * 180) / Math.PI));
    }
  return { hueShift: (theta * 180) / Math.PI, misfit: worst, cellTurn, unturned: unturnedShare(zs, zb, keep, theta, radius > 1 ? MIN_TURN_ENLARGED : MIN_TURN) }; // (radius 2: an enlarged small query)
}

/** In-place box mean of an interleaved complex plane over the kept pixels within `radius`. */
function smoothKept(z: Float32Array, keep: Uint8Array, w: number, h: number, radius: number): void {
  const src = copyInto(scratch.zcopy, z);
  for (let v = 0; v < h; v++)
    for (let u = 0; u < w; u++) {
      const i = v * w + u;
      if (!keep[i]) continue;
      let re = 0, im = 0, c = 0;
      for (let y = Math.max(0, v - radius); y <= Math.min(h - 1, v + radius); y++)
        for (let x = Math.max(0, u - radius); x <= Math.min(w - 1, u + radius); x++) {
          const j = y * w + x;
          if (keep[j]) (re += src[2 * j]!), (im += src[2 * j + 1]!), c++;
        }
      z[2 * i] = re / c;
      z[2 * i + 1] = im / c;
    }
}
