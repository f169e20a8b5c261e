/**
 * Query side of reverse image search, shared by the service and the accuracy test:
 * query variants → candidates (pHash-domain codes + iqdb-style Haar) → alignment/NCC verification
 * of the top candidates → calibrated verdict.
 */
import type { DecodedImage } from './analyze-image.js';
import {
  cropRgb,
  dhashPlane,
  greyOf,
  haarSignature,
  mirrorRgb,
  phashPlane,
  resizePlane,
  trimRgb,
  verifyImage,
  type Code64,
  type Rgb,
} from './signatures.js';
import type { SearchIndex } from './search-index.js';

export type Verdict = 'exact' | 'match' | 'probable' | 'none';
export type MatchStage = 'exact' | 'hash' | 'wavelet' | 'verified';

/**
 * Calibrated on ../shared/images (held-out characters as negatives, see search-accuracy.test.ts):
 * alignment NCC of true matches is ≥ 0.9 for almost every variant, while the best candidate of an
 * unrelated picture stays below these.
 */
export const THRESHOLDS = {
  /** Verified: NCC + gradient NCC of the best alignment at or above → match. */
  matchVerify: 1.42,
  /** Fast path: pHash ≤ and dHash ≤ and Haar ≤ → match even without a strong alignment. */
  fastPhash: 6,
  fastDhash: 8,
  fastHaar: 0.35,
  /** probable: alignment score at or above, or pHash-domain distance ≤ probablePhash. */
  probableVerify: 1.2,
  probablePhash: 10,
};

export interface QueryVariant {
  name: 'trim' | 'trim-mirror' | 'raw' | 'raw-mirror';
  phash: Code64;
  dhash: Code64;
  haar: { dc: readonly number[]; coefs: Int16Array };
  verify: VImg;
}

export interface PreparedQuery {
  variants: QueryVariant[];
}

export interface VImg {
  width: number;
  height: number;
  data: Float32Array;
}

function toV(v: { width: number; height: number; data: Uint8Array | Float32Array }): VImg {
  return { width: v.width, height: v.height, data: v.data instanceof Float32Array ? v.data : Float32Array.from(v.data) };
}

function variantOf(name: QueryVariant['name'], img: Rgb): QueryVariant {
  const grey = greyOf(img);
  return { name, phash: phashPlane(grey), dhash: dhashPlane(grey), haar: haarSignature(img), verify: toV(verifyImage(grey)) };
}

/** Builds the query variants: trimmed, mirrored, and the untrimmed image when the trim cut a lot. */
export function prepareQuery(rgb: Rgb): PreparedQuery {
  const { img: trimmed, box } = trimRgb(rgb);
  const variants: QueryVariant[] = [variantOf('trim', trimmed), variantOf('trim-mirror', mirrorRgb(trimmed))];
  const cut = 1 - (box.w * box.h) / (rgb.width * rgb.height);
  if (cut > 0.1) {
    // the trim may have cut into the picture: also try the untrimmed image (edges flattened only)
    variants.push(variantOf('raw', rgb), variantOf('raw-mirror', mirrorRgb(rgb)));
  }
  return { variants };
}

export function prepareDecoded(d: DecodedImage): PreparedQuery {
  return prepareQuery(d.rgb);
}

// ---------------------------------------------------------------------------------------------
// Alignment verification

function resizeV(v: VImg, w: number, h: number): VImg {
  return { width: w, height: h, data: resizePlane(v.data, v.width, v.height, w, h) };
}

interface Stats {
  mean: number;
  norm: number; // sqrt(sum (x-mean)^2)
  centred: Float32Array;
}

function statsOf(v: VImg): Stats {
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
function nccAt(small: VImg, st: Stats, big: VImg, x: number, y: number): number {
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

const FIT_INSIDE = [1.0, 0.93, 0.86, 0.8, 0.74, 0.68, 0.62];
const FIT_AROUND = [0.93, 0.86, 0.8, 0.72, 0.64, 0.56];

interface Hyp {
  role: 0 | 1; // 0: query inside candidate, 1: candidate inside query
  f: number;
  x: number;
  y: number;
  score: number;
}

class ResizeCache {
  private m = new Map<string, { v: VImg; st: Stats }>();
  constructor(private src: VImg) {}
  get(w: number, h: number) {
    const key = `${w}x${h}`;
    let e = this.m.get(key);
    if (!e) {
      const v = w === this.src.width && h === this.src.height ? this.src : resizeV(this.src, w, h);
      e = { v, st: statsOf(v) };
      this.m.set(key, e);
    }
    return e;
  }
}

function placedSize(small: VImg, big: VImg, f: number): [number, number] {
  const s = f * Math.min(big.width / small.width, big.height / small.height);
  return [Math.max(4, Math.round(small.width * s)), Math.max(4, Math.round(small.height * s))];
}

/** Per-query cache of resized query images (coarse and fine). */
export class QueryVerifier {
  private fineCache: ResizeCache;
  private coarse: VImg;
  private coarseCache: ResizeCache;
  constructor(readonly q: VImg) {
    this.fineCache = new ResizeCache(q);
    this.coarse = resizeV(q, Math.max(4, Math.round(q.width / 2)), Math.max(4, Math.round(q.height / 2)));
    this.coarseCache = new ResizeCache(this.coarse);
  }

  /** Best NCC over placements of the query inside the candidate (crops) and vice versa (borders). */
  score(candidate: VImg): { ncc: number; grad: number } {
    const cFine = candidate;
    const cCoarse = resizeV(cFine, Math.max(4, Math.round(cFine.width / 2)), Math.max(4, Math.round(cFine.height / 2)));
    const cCoarseCache = new ResizeCache(cCoarse);
    const cFineCache = new ResizeCache(cFine);
    const hyps: Hyp[] = [];
    const consider = (h: Hyp) => {
      hyps.push(h);
      hyps.sort((a, b) => b.score - a.score);
      if (hyps.length > 3) hyps.pop();
    };
    for (const role of [0, 1] as const) {
      const fs = role === 0 ? FIT_INSIDE : FIT_AROUND;
      const smallSrc = role === 0 ? this.coarse : cCoarse;
      const big = role === 0 ? cCoarse : this.coarse;
      const cache = role === 0 ? this.coarseCache : cCoarseCache;
      for (const f of fs) {
        const [w, h] = placedSize(smallSrc, big, f);
        if (w > big.width || h > big.height) continue;
        const { v, st } = cache.get(w, h);
        for (let y = 0; y + h <= big.height; y++) {
          for (let x = 0; x + w <= big.width; x++) {
            const s = nccAt(v, st, big, x, y);
            if (hyps.length < 3 || s > hyps[hyps.length - 1]!.score) consider({ role, f, x, y, score: s });
          }
        }
      }
    }
    // refine the best coarse hypotheses at full resolution
    let best = -1;
    let bestAt: { v: VImg; big: VImg; x: number; y: number } | null = null;
    for (const hyp of hyps) {
      const smallSrc = hyp.role === 0 ? this.q : cFine;
      const big = hyp.role === 0 ? cFine : this.q;
      const cache = hyp.role === 0 ? this.fineCache : cFineCache;
      for (const df of [-0.04, -0.02, 0, 0.02, 0.04]) {
        const f = Math.min(1, hyp.f + df);
        const [w, h] = placedSize(smallSrc, big, f);
        if (w > big.width || h > big.height) continue;
        const { v, st } = cache.get(w, h);
        for (let y = Math.max(0, hyp.y * 2 - 2); y <= Math.min(big.height - h, hyp.y * 2 + 2); y++) {
          for (let x = Math.max(0, hyp.x * 2 - 2); x <= Math.min(big.width - w, hyp.x * 2 + 2); x++) {
            const s = nccAt(v, st, big, x, y);
            if (s > best) ((best = s), (bestAt = { v, big, x, y }));
          }
        }
      }
    }
    if (!bestAt) return { ncc: best, grad: -1 };
    return { ncc: best, grad: gradientNcc(bestAt.v, bestAt.big, bestAt.x, bestAt.y) };
  }
}

/** NCC of the x/y gradients of `small` and the window of `big` at (x, y): discriminates detail. */
function gradientNcc(small: VImg, big: VImg, x0: number, y0: number): number {
  const w = small.width;
  const h = small.height;
  const a: number[] = [];
  const b: number[] = [];
  const bw = big.width;
  for (let y = 0; y < h - 1; y++) {
    for (let x = 0; x < w - 1; x++) {
      const s0 = small.data[y * w + x]!;
      a.push(small.data[y * w + x + 1]! - s0, small.data[(y + 1) * w + x]! - s0);
      const bo = (y0 + y) * bw + x0 + x;
      const b0 = big.data[bo]!;
      b.push(big.data[bo + 1]! - b0, big.data[bo + bw]! - b0);
    }
  }
  let sa = 0, sb = 0;
  for (let i = 0; i < a.length; i++) (sa += a[i]!, sb += b[i]!);
  const ma = sa / a.length, mb = sb / b.length;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const da = a[i]! - ma, db = b[i]! - mb;
    sab += da * db; saa += da * da; sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

// ---------------------------------------------------------------------------------------------

export interface RankedCandidate {
  slot: number;
  artworkId: string;
  characterId: string;
  /** Smallest pHash-domain Hamming distance over the query variants (trim, mirror, raw) and stored crops. */
  phashDistance: number;
  dhashDistance: number;
  haarDistance: number;
  /** Best alignment NCC (−1..1). */
  ncc: number;
  /** Gradient NCC at that alignment (−1..1). */
  grad: number;
  /** 0..100 confidence shown to users. */
  score: number;
  stage: MatchStage;
  verdict: Verdict;
}

export interface EngineOptions {
  /** Candidates taken from each source (pHash codes, Haar) per variant. */
  perSource?: number;
  /** Candidates verified at most. */
  verifyTop?: number;
}

/** Grey verification image of a slot (from memory or the database). */
export type VerifyLoader = (slots: number[]) => Promise<Map<number, { width: number; height: number; data: Uint8Array }>>;

/** Runs the candidate and verification stages; best first. */
export async function rankCandidates(
  index: SearchIndex,
  q: PreparedQuery,
  loadVerify: VerifyLoader,
  opts: EngineOptions = {},
): Promise<RankedCandidate[]> {
  const perSource = opts.perSource ?? 16;
  const verifyTop = opts.verifyTop ?? 32;
  if (index.count === 0) return [];
  const cand = new Map<number, { pd: number; dd: number; hd: number; order: number }>();
  let order = 0;
  const note = (slot: number) => {
    let c = cand.get(slot);
    if (!c) cand.set(slot, (c = { pd: 65, dd: 65, hd: 9, order: order++ }));
    return c;
  };
  // pHash-domain codes of all variants at once
  for (const h of index.nearestCodes(
    q.variants.map((v) => v.phash),
    perSource,
  ))
    note(h.slot);
  const scratch = new Float32Array(index.artworkIds.length);
  for (const v of q.variants) for (const h of index.nearestHaar(v.haar, perSource, scratch)) note(h.slot);
  for (const [slot, c] of cand) {
    for (const v of q.variants) {
      c.pd = Math.min(c.pd, index.phashDomainDistance(slot, v.phash));
      c.dd = Math.min(c.dd, index.dhashDistance(slot, v.dhash));
      c.hd = Math.min(c.hd, index.haarDistanceTo(slot, v.haar));
    }
  }
  // pre-rank: a blend of the three global distances
  const pre = [...cand.entries()]
    .map(([slot, c]) => ({ slot, ...c, pre: c.pd / 32 + c.dd / 32 + c.hd * 1.5 }))
    .sort((a, b) => a.pre - b.pre)
    .slice(0, verifyTop);
  const verifies = await loadVerify(pre.map((p) => p.slot));
  const verifiers = q.variants.map((v) => new QueryVerifier(v.verify));
  const out: RankedCandidate[] = [];
  for (const p of pre) {
    const vi = verifies.get(p.slot);
    let ncc = -1;
    let grad = -1;
    if (vi) {
      const cv = toV(vi);
      // verify with the two variants whose global signatures are closest to this candidate
      const order = q.variants
        .map((v, i) => ({ i, d: index.haarDistanceTo(p.slot, v.haar) + index.phashDomainDistance(p.slot, v.phash) / 32 }))
        .sort((a, b) => a.d - b.d)
        .slice(0, 2);
      for (const o of order) {
        const r = verifiers[o.i]!.score(cv);
        if (r.ncc + r.grad > ncc + grad) ((ncc = r.ncc), (grad = r.grad));
      }
    }
    const fast = p.pd <= THRESHOLDS.fastPhash && p.dd <= THRESHOLDS.fastDhash && p.hd <= THRESHOLDS.fastHaar;
    let verdict: Verdict = 'none';
    let stage: MatchStage = p.hd < p.pd / 32 ? 'wavelet' : 'hash';
    if (ncc + grad >= THRESHOLDS.matchVerify) {
      verdict = 'match';
      stage = 'verified';
    } else if (fast) verdict = 'match';
    else if (ncc + grad >= THRESHOLDS.probableVerify || p.pd <= THRESHOLDS.probablePhash) verdict = 'probable';
    const score = Math.round(100 * Math.max(0, Math.min(1, Math.max((ncc + grad) / 2, fast ? 0.9 : 0))));
    out.push({
      slot: p.slot,
      artworkId: index.artworkIds[p.slot]!,
      characterId: index.characterIds[p.slot]!,
      phashDistance: p.pd,
      dhashDistance: p.dd,
      haarDistance: p.hd,
      ncc,
      grad,
      score,
      stage,
      verdict,
    });
  }
  const rank = (v: Verdict) => (v === 'match' ? 2 : v === 'probable' ? 1 : 0);
  out.sort((a, b) => rank(b.verdict) - rank(a.verdict) || b.ncc + b.grad - (a.ncc + a.grad) || a.haarDistance - b.haarDistance);
  return out;
}

export { cropRgb };
