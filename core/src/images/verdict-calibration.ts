/**
 * Verdict calibration: the thresholds that turn verification scores into 'match' / 'probable' /
 * 'none', and the final ordering of the ranked candidates.
 */
import type { RankedCandidate } from './rank-candidates.js';

export type Verdict = 'exact' | 'match' | 'probable' | 'none';
export type MatchStage = 'exact' | 'hash' | 'wavelet' | 'verified';

/**
 * Calibrated on ../shared/images (held-out characters as negatives, see search-accuracy.test.ts):
 * alignment NCC of true matches is ≥ 0.9 for almost every variant, while the best candidate of an
 * unrelated picture stays below these.
 */
export const THRESHOLDS = {
  /** Verified: intensity NCC + gradient NCC (occluder-masked) of the refined alignment at or above …
   * (midpoint of the gap between negatives passing the other checks, ≤ 1.36, and true matches of the
   * barred variants, ≥ 1.66, on splits 1 and 2 at 40 per variant) */
  matchVerify: 1.51,
  /** … ahead of the best candidate of another character by at least this (a ratio test: two
   * characters fitting the query about equally well, like recoloured villagers of one species, are
   * not a match) … */
  matchMargin: 0.1,
  /** … unless the alignment is this strong (re-posts of the same picture under two characters). */
  certainVerify: 1.8,
  /** … and, for colour pictures, hue-invariant chroma correlation at or above. */
  matchColour: 0.75,
  /** Also a match (with the same margin and colour checks): Haar distance ≤ and intensity NCC ≥. */
  globalHaar: 0.4,
  globalNcc: 0.7,
  /** probable: alignment score at or above, or pHash-domain distance ≤ probablePhash. */
  probableVerify: 1.15,
  probablePhash: 10,
};

/**
 * Assigns each verified candidate its calibrated verdict (and the stage that decided a match), then
 * orders them: matches, then probables, then the rest; stronger alignment first.
 */
export function calibrateVerdicts(out: RankedCandidate[]): void {
  // calibrated verdicts (ACCURACY_SPLIT runs of search-accuracy.test.ts, not the asserted split)
  for (const c of out) {
    const s = c.ncc + c.grad;
    let other = -2;
    for (const o of out) if (o.characterId !== c.characterId && o.ncc + o.grad > other) other = o.ncc + o.grad;
    const distinct = s - other >= THRESHOLDS.matchMargin || s >= THRESHOLDS.certainVerify;
    const colourOk = Number.isNaN(c.colour) || c.colour >= THRESHOLDS.matchColour;
    if (colourOk && distinct && s >= THRESHOLDS.matchVerify) {
      c.verdict = 'match';
      c.stage = 'verified';
    } else if (colourOk && distinct && c.haarDistance <= THRESHOLDS.globalHaar && c.ncc >= THRESHOLDS.globalNcc) {
      c.verdict = 'match';
      c.stage = 'wavelet';
    } else if (s >= THRESHOLDS.probableVerify || c.phashDistance <= THRESHOLDS.probablePhash) c.verdict = 'probable';
  }
  const rank = (v: Verdict) => (v === 'match' ? 2 : v === 'probable' ? 1 : 0);
  out.sort((a, b) => rank(b.verdict) - rank(a.verdict) || b.ncc + b.grad - (a.ncc + a.grad) || a.haarDistance - b.haarDistance);
}
