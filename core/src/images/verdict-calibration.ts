/**
 * Verdict calibration: the thresholds that turn verification scores into 'match' / 'probable' /
 * 'none', and the final ordering of the ranked candidates.
 */
import type { RankedCandidate } from './rank-candidates.js';
import type { RegionEvidence } from './region-agreement.js';

export type Verdict = 'exact' | 'match' | 'probable' | 'none';
export type MatchStage = 'exact' | 'hash' | 'wavelet' | 'verified';

/**
 * Calibrated on held-out splits of ../shared/images (splits 100–102 of
 * search-accuracy.test.ts with ACCURACY_DUMP; the CI splits 0–2 are never used to choose them): see
 * docs/image-search.md for the figures behind each value and how to re-run it.
 */
export const THRESHOLDS = {
  /** Verified: intensity NCC + gradient NCC of the refined alignment (caption rows left out) at or above … */
  matchVerify: 1.51,
  /** … ahead of the best candidate of another character by at least this (a ratio test: two
   * characters fitting the query about equally well are not a match) … */
  matchMargin: 0.1,
  /** … unless the alignment is this strong (re-posts of the same picture under two characters). */
  certainVerify: 1.8,
  /** Also a match (with the same margin and region checks): Haar distance ≤ and intensity NCC ≥. */
  globalHaar: 0.4,
  globalNcc: 0.7,
  /** probable: a likely match on thin evidence, shown as a question: the alignment at or above this
   * (under `matchVerify`), or no clear margin, or more hidden (occluded up to `probableOccluded`, a flat
   * cover such as a sticker). The identity checks (colour, cell turn, tone) hold at the limits of a match:
   * a region that disagrees is another character, not a doubt (relaxing them let face swaps through as
   * `probable`: 2 of 3 answers wrong on development splits 600–603). */
  probableVerify: 1.3,
  probableOccluded: 0.5,
  /** Region checks of a match. Caption rows may hide at most this share of the aligned picture's rows
   * (a caption line over ~25 % of a small icon covers up to ~35 % of its rows once dilated). */
  maxOccluded: 0.4,
  /** The colours may turn by at most this (degrees in CIELAB a*b*: re-encodes, hue filters of ±20–25°). */
  maxHueShift: 30,
  /** Worst colour window's misfit after that turn at most (¼ of each side, stepped by half a window; a
   * recoloured region reads ≥ 0.25 at 60°). */
  maxColourMisfit: 0.2,
  /** A colourful cell may turn on its own against the picture-wide turn by at most this (degrees): a filter or
   * re-encode turns every cell alike (true matches ≤ 9°), a recolour turns its region alone (also when pale). */
  maxCellTurn: 20,
  /** Worst 6 × 6 cell's tone misfit (relative to the picture's variance) at most (a changed region's
   * lightness; degraded small re-posts read up to ~1.33, face swaps are left to `maxStructureMisfit`; on
   * 1657 development negatives no negative that passes the other checks is held back by tone at any limit). */
  maxToneMisfit: 1.5,
  /** Worst compact block's structure misfit at most (another face on the same template: ≥ 0.5 where the
   * colours agree; re-posts ≤ 0.2). */
  maxStructureMisfit: 0.3,
  /** Share of the colour that kept its hue (turned by < 1/10 of the picture's turn) while the picture turned by
   * ≥ 6° (≥ 12° for an enlarged small query), at most (colour-unturned.ts: hue filters ≤ 0.009 over 251
   * gallery pictures; partial recolours and face swaps of another colour 0.26–0.62, the synthetic azure body of
   * local-identity.test.ts 0.049). */
  maxUnturned: 0.03,
  /** Share under a flat cover (a sticker) a match may have: none. What a sticker hides is unknown, so a
   * query with one is at most `probable`. */
  maxCovered: 0,
};

/** The identity checks: colour, its per-cell turn and tone agree region by region (what separates
 * another character drawn from the same template). */
export type Thresholds = typeof THRESHOLDS;

function identityAgrees(e: RegionEvidence, t: Thresholds): boolean {
  const colourOk =
    Number.isNaN(e.colourMisfit) ||
    (Math.abs(e.hueShift) <= t.maxHueShift &&
      e.colourMisfit <= t.maxColourMisfit &&
      !(e.cellTurn > t.maxCellTurn) &&
      e.unturned <= t.maxUnturned);
  // (a structure misfit of NaN: too little detail to tell, the tone check stands alone)
  return colourOk && e.toneMisfit <= t.maxToneMisfit && !(e.structureMisfit > t.maxStructureMisfit);
}

/** The region checks of a match: identity, and little enough hidden to stand on. */
export function regionsAgree(e: RegionEvidence, t: Thresholds = THRESHOLDS): boolean {
  return identityAgrees(e, t) && e.occluded <= t.maxOccluded && e.covered <= t.maxCovered;
}

/**
 * Assigns each verified candidate its calibrated verdict (and the stage that decided a match), then
 * orders them: matches, then probables, then the rest; stronger alignment first.
 */
export function calibrateVerdicts(out: RankedCandidate[], t: Thresholds = THRESHOLDS): void {
  for (const c of out) {
    const s = c.ncc + c.grad;
    let other = -2;
    for (const o of out) if (o.characterId !== c.characterId && o.ncc + o.grad > other) other = o.ncc + o.grad;
    const distinct = s - other >= t.matchMargin || s >= t.certainVerify;
    const regions = regionsAgree(c.evidence, t);
    if (regions && distinct && s >= t.matchVerify) {
      c.verdict = 'match';
      c.stage = 'verified';
    } else if (regions && distinct && c.haarDistance <= t.globalHaar && c.ncc >= t.globalNcc) {
      c.verdict = 'match';
      c.stage = 'wavelet';
    } else if (s >= t.probableVerify && identityAgrees(c.evidence, t) && c.evidence.occluded <= t.probableOccluded) c.verdict = 'probable';
  }
  const rank = (v: Verdict) => (v === 'match' ? 2 : v === 'probable' ? 1 : 0);
  out.sort((a, b) => rank(b.verdict) - rank(a.verdict) || b.ncc + b.grad - (a.ncc + a.grad) || a.haarDistance - b.haarDistance);
}
