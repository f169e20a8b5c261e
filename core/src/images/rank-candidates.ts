/**
 * The search pipeline after query preparation: candidate pool → coarse screening → alignment
 * verification of the best screened candidates → calibrated verdicts; best first.
 */
import { candidatePool, type PooledCandidate } from './candidate-pool.js';
import type { VerifyData } from './feature-types.js';
import type { PreparedQuery } from './prepare-query.js';
import { CandidatePyramid, QueryVerifier } from './query-verifier.js';
import type { SearchIndex } from './search-index.js';
import { calibrateVerdicts, regionsAgree, THRESHOLDS, type MatchStage, type Verdict } from './verdict-calibration.js';
import { toV } from './verify-images.js';
import type { RegionEvidence } from './region-agreement.js';
import type { StageClock } from './stage-timings.js';

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
  /** Region-by-region evidence at that alignment (occluded share, hue shift, worst-cell misfits). */
  evidence: RegionEvidence;
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
  /** Candidates screened by the coarse alignment level at most. */
  screenTop?: number;
  /** Laps the stages: candidates, verify-load, screen, verify. */
  timings?: StageClock;
}

/** A second query variant is fully verified only if its coarse alignment is within this of the best. */
const VARIANT_COARSE_SLACK = 0.08;

/** Grey verification image of a slot (from memory or the database). */
export type VerifyLoader = (slots: number[]) => Promise<Map<number, VerifyData>>;

/** Runs the candidate and verification stages; best first. */
export async function rankCandidates(
  index: SearchIndex,
  q: PreparedQuery,
  loadVerify: VerifyLoader,
  opts: EngineOptions = {},
): Promise<RankedCandidate[]> {
  const perSource = opts.perSource ?? 24;
  const verifyTop = opts.verifyTop ?? 24;
  const screenTop = opts.screenTop ?? 64;
  if (index.count === 0) return [];
  const timings = opts.timings;
  const pool = candidatePool(index, q, perSource, screenTop);
  timings?.lap('candidates');
  const verifies = await loadVerify(pool.map((p) => p.slot));
  timings?.lap('verify-load');
  const verifiers = q.variants.map((v) => new QueryVerifier(v.verify, v.chroma, v.hidden, v.density, v.captionShare));
  // cheap screening of the whole pool by the coarsest alignment level, then full verification of the
  // best screened candidates plus the best few by global signatures
  // (the caption-free variants always: a caption moves the global signatures of a small picture far
  // enough that its own variant may not be among the closest two)
  const uncaptioned = q.variants.flatMap((v, i) => (v.name === 'uncaptioned' ? [i] : []));
  const closest = (p: PooledCandidate) => {
    const near = q.variants
      .map((v, i) => ({ i, d: p.hdv[i]! + index.phashDomainDistance(p.slot, v.phash) / 32 }))
      .sort((a, b) => a.d - b.d)
      .slice(0, 2);
    for (const i of uncaptioned) if (!near.some((o) => o.i === i)) near.push({ i, d: NaN });
    return near;
  };
  const pyramids = new Map<number, CandidatePyramid>();
  const pyramidOf = (slot: number, vi: VerifyData) => {
    let cp = pyramids.get(slot);
    if (!cp) pyramids.set(slot, (cp = new CandidatePyramid(toV(vi))));
    return cp;
  };
  const screened = pool.map((p, rank) => {
    const vi = verifies.get(p.slot);
    let coarse = -1;
    // the variants worth a full verification: the closer two by global signatures, the second one
    // only when its coarse alignment is nearly as good as the first's (mirror vs plain is usually clear)
    let variants: number[] = [];
    if (vi) {
      const cv = pyramidOf(p.slot, vi);
      const cs = closest(p).map((o) => ({ i: o.i, c: verifiers[o.i]!.coarse(cv) }));
      cs.sort((a, b) => b.c - a.c);
      coarse = cs[0]?.c ?? -1;
      // (caption-free variants always: their painted rows lower the coarse score, which is not masked;
      // a 128 px villager under two caption lines scored 0.09 below its captioned variant at 16 px and
      // was never verified, though it aligned at 1.89 with every region agreeing)
      variants = cs.filter((o) => o.c >= coarse - VARIANT_COARSE_SLACK || q.variants[o.i]!.name === 'uncaptioned').map((o) => o.i);
    }
    return { ...p, rank, coarse, variants };
  });
  const chosen = new Set<number>(screened.slice(0, 8).map((p) => p.slot));
  for (const p of [...screened].sort((a, b) => b.coarse - a.coarse)) {
    if (chosen.size >= verifyTop) break;
    chosen.add(p.slot);
  }
  const pre = screened.filter((p) => chosen.has(p.slot)).sort((a, b) => b.coarse - a.coarse);
  timings?.lap('screen');
  const out: RankedCandidate[] = [];
  let bestVerified = -2;
  let verified = 0;
  for (const p of pre) {
    // early exit: a near-certain verified match among the first candidates ends the search
    // (at that strength the verdict no longer depends on the other candidates' scores)
    if (verified >= 3 && bestVerified >= THRESHOLDS.certainVerify) break;
    verified++;
    const vi = verifies.get(p.slot);
    let ncc = -1;
    let grad = -1;
    let evidence: RegionEvidence = { occluded: 0, covered: 0, hueShift: NaN, colourMisfit: NaN, toneMisfit: Infinity, cellTurn: NaN, structureMisfit: NaN, unturned: 0 };
    if (vi) {
      const cv = pyramidOf(p.slot, vi);
      // verify with the variants kept by the screening (of the two closest by global signatures)
      const order = p.variants.map((i) => ({ i }));
      // keep the variant whose alignment is strongest, preferring one whose regions agree
      let bestKey = -Infinity;
      for (const o of order) {
        const r = verifiers[o.i]!.score(cv, vi.chroma);
        const k = r.ncc + r.grad + (regionsAgree(r.region) ? 2 : 0);
        if (k > bestKey) ((bestKey = k), (ncc = r.ncc), (grad = r.grad), (evidence = r.region));
      }
    }
    bestVerified = Math.max(bestVerified, ncc + grad);
    out.push({
      slot: p.slot,
      artworkId: index.artworkId(p.slot),
      characterId: index.characterId(p.slot),
      phashDistance: p.pd,
      dhashDistance: p.dd,
      haarDistance: p.hd,
      ncc,
      grad,
      evidence,
      score: Math.round(100 * Math.max(0, Math.min(1, (ncc + grad) / 2))),
      stage: p.hd < p.pd / 32 ? 'wavelet' : 'hash',
      verdict: 'none',
    });
  }
  calibrateVerdicts(out);
  timings?.lap('verify');
  return out;
}
