/**
 * The alignment verifier: per query variant, a 3-level pyramid search for the best placement of query
 * in candidate (crops) or candidate in query (borders/UI), refined and scored by intensity, gradient
 * and colour agreement.
 */
import { gradientNcc } from './gradient-ncc.js';
import { nccRow, statsOf, type Stats } from './ncc.js';
import { refineAlignment } from './refine-alignment.js';
import { regionAgreement, type RegionEvidence } from './region-agreement.js';
import { half, resizeV, type Chroma, type VImg } from './verify-images.js';

/**
 * Keeps the k best hypotheses, best first; a newcomer goes after those with an equal score (the order a
 * stable sort of the appended list gives). Allocates only when the hypothesis is kept.
 */
function keep(list: Hyp[], role: 0 | 1, f: number, x: number, y: number, score: number, k: number): void {
  const n = list.length;
  if (n >= k && score <= list[n - 1]!.score) return;
  let i = n;
  while (i > 0 && list[i - 1]!.score < score) i--;
  list.splice(i, 0, { role, f, x, y, score });
  if (list.length > k) list.pop();
}

/** Coarse placements refined: the best few, plus other scales' best within reach of the top (at most COARSE_MAX). */
const COARSE_KEEP = 4;
const COARSE_REACH = 0.15;
const COARSE_MAX = 8;

const FIT_INSIDE = [1.0, 0.93, 0.86, 0.8, 0.74, 0.68, 0.62];
// 1.0 too: a caption or sticker past the drawing on a plain background widens the trimmed query on one axis only
const FIT_AROUND = [1.0, 0.9, 0.8, 0.7, 0.6];

/** A placement hypothesis (exported: the coarse ones cross to the thread that verifies the candidate). */
export interface CoarsePlacement {
  role: 0 | 1; // 0: query inside candidate, 1: candidate inside query
  f: number;
  x: number;
  y: number;
  score: number;
}
type Hyp = CoarsePlacement;

class ResizeCache {
  private m = new Map<number, { v: VImg; st: Stats }>();
  constructor(private src: VImg) {}
  get(w: number, h: number) {
    const key = w * 65536 + h;
    let e = this.m.get(key);
    if (!e) {
      const v = w === this.src.width && h === this.src.height ? this.src : resizeV(this.src, w, h);
      e = { v, st: statsOf(v) };
      this.m.set(key, e);
    }
    return e;
  }
}

// one row of placements' scores (the search is synchronous: one row in use at a time)
let rowBuffer = new Float64Array(64);
function rowScores(n: number): Float64Array {
  if (rowBuffer.length < n) rowBuffer = new Float64Array(Math.max(n, 2 * rowBuffer.length));
  return rowBuffer;
}

function placedSize(small: VImg, big: VImg, f: number): [number, number] {
  const s = f * Math.min(big.width / small.width, big.height / small.height);
  return [Math.max(4, Math.round(small.width * s)), Math.max(4, Math.round(small.height * s))];
}

export interface VerifyScore {
  /** Intensity NCC at the best alignment. */
  ncc: number;
  /** Gradient NCC at the best alignment. */
  grad: number;
  /** Region-by-region agreement (caption lines left out): what separates look-alikes. */
  region: RegionEvidence;
}

/**
 * A candidate's verification pyramid (¼, ½, full) and its resized copies, built lazily and shared by
 * the screening and the verification against every query variant.
 */
export class CandidatePyramid {
  private levels: (VImg | undefined)[] = [];
  private caches: (ResizeCache | undefined)[] = [];
  constructor(readonly v: VImg) {}
  level(l: number): VImg {
    return (this.levels[l] ??= l === 2 ? this.v : half(this.v, l === 0 ? 4 : 2));
  }
  cache(l: number): ResizeCache {
    return (this.caches[l] ??= new ResizeCache(this.level(l)));
  }
}

/**
 * Per-query alignment verifier. A candidate is searched with a 3-level pyramid (long side ~16, 32,
 * 64 px): exhaustive placements at the coarsest level over scales (query inside the candidate for crops,
 * candidate inside the query for borders/UI), then local refinement of the best hypotheses.
 */
export class QueryVerifier {
  private levels: VImg[];
  private caches: ResizeCache[];
  constructor(
    readonly q: VImg,
    readonly qChroma?: Chroma,
    readonly qHidden?: Uint8Array,
    /** Source pixels per query verification pixel (< 1: an enlarged small query, blurrier than its match). */
    readonly qDensity = 1,
    /** Share of the query picture its caption lines covered (reported as occluded at least). */
    readonly qCaptionShare = 0,
  ) {
    this.levels = [half(q, 4), half(q, 2), q];
    this.caches = this.levels.map((l) => new ResizeCache(l));
  }

  /** The 4 best placements at the coarsest level (exhaustive), computed once per candidate pyramid. */
  private coarseMemo = new WeakMap<CandidatePyramid, readonly Hyp[]>();
  private coarseHyps(cp: CandidatePyramid): Hyp[] {
    const memo = this.coarseMemo.get(cp);
    if (memo) return memo.slice();
    const c0 = cp.level(0);
    const c0Cache = cp.cache(0);
    const hyps: Hyp[] = [];
    const scaleBest: Hyp[] = [];
    for (const role of [0, 1] as const) {
      const small = role === 0 ? this.levels[0]! : c0;
      const big = role === 0 ? c0 : this.levels[0]!;
      const cache = role === 0 ? this.caches[0]! : c0Cache;
      for (const f of role === 0 ? FIT_INSIDE : FIT_AROUND) {
        const [w, h] = placedSize(small, big, f);
        if (w > big.width || h > big.height) continue;
        const { v, st } = cache.get(w, h);
        const atScale: Hyp[] = [];
        const row = rowScores(big.width - w + 1);
        for (let y = 0; y + h <= big.height; y++) {
          nccRow(v, st, big, 0, big.width - w, y, row);
          for (let x = 0; x + w <= big.width; x++) {
            const sc = row[x]!;
            keep(hyps, role, f, x, y, sc, COARSE_KEEP);
            keep(atScale, role, f, x, y, sc, 1);
          }
        }
        if (atScale[0]) scaleBest.push(atScale[0]);
      }
    }
    // at 16 px a whole-pixel step is 6 % of the picture: on a small, high-contrast icon the right scale
    // can score below a wrong placement at another scale, so each scale's best within reach is kept too
    const top = hyps[0]?.score ?? -1;
    scaleBest.sort((a, b) => b.score - a.score);
    for (const hb of scaleBest) {
      if (hyps.length >= COARSE_MAX || hb.score < top - COARSE_REACH) break;
      if (!hyps.some((o) => o.role === hb.role && o.f === hb.f)) hyps.push(hb);
    }
    this.coarseMemo.set(cp, hyps);
    return hyps.slice();
  }

  /** The coarse placements found for a candidate (after coarse()), to hand to another thread. */
  coarsePlacements(cp: CandidatePyramid): readonly CoarsePlacement[] | undefined {
    return this.coarseMemo.get(cp);
  }

  /** Coarse placements another thread found for the same candidate: what coarseHyps() would compute. */
  adoptCoarse(cp: CandidatePyramid, placements: readonly CoarsePlacement[]): void {
    this.coarseMemo.set(cp, placements);
  }

  /** Best NCC at the coarsest level only (screening). */
  coarse(cand: VImg | CandidatePyramid): number {
    const cp = cand instanceof CandidatePyramid ? cand : new CandidatePyramid(cand);
    const hyps = this.coarseHyps(cp);
    // (the same maximum as a running max from −1 over all placements)
    return Math.max(-1, hyps[0]?.score ?? -1);
  }

  score(cand: VImg | CandidatePyramid, cChroma?: Chroma): VerifyScore {
    const cp = cand instanceof CandidatePyramid ? cand : new CandidatePyramid(cand);
    const candidate = cp.v;
    const pick = (role: 0 | 1, lvl: number) =>
      role === 0
        ? { small: this.levels[lvl]!, big: cp.level(lvl), cache: this.caches[lvl]! }
        : { small: cp.level(lvl), big: this.levels[lvl]!, cache: cp.cache(lvl) };
    let hyps: Hyp[] = this.coarseHyps(cp);
    let bestAt: { v: VImg; st: Stats; big: VImg; x: number; y: number; role: 0 | 1 } | null = null;
    for (let lvl = 1; lvl <= 2; lvl++) {
      const next: Hyp[] = [];
      let bestScore = -2;
      for (const hyp of hyps) {
        const { small, big, cache } = pick(hyp.role, lvl);
        for (const df of lvl === 1 ? [-0.03, 0, 0.03] : [-0.015, 0, 0.015]) {
          const f = Math.min(1, hyp.f + df);
          const [w, h] = placedSize(small, big, f);
          if (w > big.width || h > big.height) continue;
          const { v, st } = cache.get(w, h);
          const cx = hyp.x * 2;
          const cy = hyp.y * 2;
          const r = lvl === 1 ? 2 : 1;
          const xa = Math.max(0, cx - r);
          const xb = Math.min(big.width - w, cx + r);
          const row = rowScores(xb - xa + 1);
          for (let y = Math.max(0, cy - r); y <= Math.min(big.height - h, cy + r); y++) {
            if (xa <= xb) nccRow(v, st, big, xa, xb, y, row);
            for (let x = xa; x <= xb; x++) {
              const sc = row[x - xa]!;
              keep(next, hyp.role, f, x, y, sc, 1);
              if (lvl === 2 && sc > bestScore) ((bestScore = sc), (bestAt = { v, st, big, x, y, role: hyp.role }));
            }
          }
        }
      }
      hyps = next;
    }
    if (!bestAt) return { ncc: -1, grad: -1, region: NO_REGION };
    const b = bestAt as { v: VImg; st: Stats; big: VImg; x: number; y: number; role: 0 | 1 };
    // geometric refinement at full verification resolution: the small image at its native size is
    // compared with the big one resampled (bilinear) under an axis-aligned affine map whose x/y scales
    // and sub-pixel offsets are optimised separately (trims of a query and of its original rarely have
    // exactly the same box or aspect ratio)
    const small = b.role === 0 ? this.q : candidate;
    const r = refineAlignment(small, b.big, b.x, b.y, b.v.width / small.width, b.v.height / small.height);
    const [smallChroma, bigChroma] = b.role === 0 ? [this.qChroma, cChroma] : [cChroma, this.qChroma];
    // pixels the query had painted out, in the small image's frame
    let hidden: Uint8Array | undefined;
    const qh = this.qHidden;
    if (qh && b.role === 0) hidden = qh;
    else if (qh) {
      const qw = this.q.width, qhh = this.q.height;
      hidden = new Uint8Array(small.width * small.height);
      for (let v = 0; v < small.height; v++) {
        const y = Math.max(0, Math.min(qhh - 1, Math.floor(r.y + (v + 0.5) * r.sy)));
        for (let u = 0; u < small.width; u++) hidden[v * small.width + u] = qh[y * qw + Math.max(0, Math.min(qw - 1, Math.floor(r.x + (u + 0.5) * r.sx)))]!;
      }
    }
    const { keep: kept, ...region } = regionAgreement(small, r.window, b.big, smallChroma, bigChroma, { x: r.x, y: r.y, sx: r.sx, sy: r.sy, bigWidth: b.big.width, bigHeight: b.big.height }, hidden, this.qDensity < SMALL_QUERY ? 2 : 1, b.role === 0);
    // intensity and gradient agreement over the pixels outside caption lines only
    const ncc = region.occluded > 0 ? maskedNcc(small.data, r.window.data, kept) : Math.max(bestScore(hyps), r.ncc);
    return { ncc, grad: gradientNcc(small, r.window, 0, 0, kept), region: { ...region, occluded: Math.max(region.occluded, this.qCaptionShare) } };
  }
}

/**
 * Below this density (an enlarged small query) the colour planes are compared over 5 × 5 chroma pixels
 * instead of 3 × 3: the query's chroma is blurred by the enlargement on top of JPEG's subsampling.
 */
const SMALL_QUERY = 0.8;

const NO_REGION: RegionEvidence = { occluded: 0, covered: 0, hueShift: NaN, colourMisfit: NaN, toneMisfit: Infinity, cellTurn: NaN, structureMisfit: NaN, unturned: 0 };

function maskedNcc(a: Float32Array, b: Float32Array, keep: Uint8Array): number {
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    if (!keep[i]) continue;
    const p = a[i]!, q = b[i]!;
    sa += p; sb += q; saa += p * p; sbb += q * q; sab += p * q; m++;
  }
  if (m < 2) return -1;
  const va = saa - (sa * sa) / m, vb = sbb - (sb * sb) / m;
  return va > 1e-6 && vb > 1e-6 ? (sab - (sa * sb) / m) / Math.sqrt(va * vb) : 0;
}

function bestScore(h: Hyp[]): number {
  return h[0]?.score ?? -1;
}
