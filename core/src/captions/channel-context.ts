// Channel-level evidence for captions one post alone cannot settle. In a channel that writes
// "Series - Name", the series value repeats across many posts and names rarely do; hundreds of
// captions in the same layout settle which side is which. The gallery's known titles add to it.
// Pure: the caller passes the channel's stored captions (re-parse, induction, the CLI).
import { isEventMessage, isRarityLegend } from './families/events.js';
import { freeformPair } from './families/freeform.js';
import { orderByNameLikeness, titleScore } from './name-likeness.js';
import { titleKey } from './known-titles.js';
import { captionLines } from './parse-caption.js';

export type PairOrderName = 'name_first' | 'series_first';

export interface ChannelContext {
  /** Order of two-part free-form captions in this channel; null when the evidence is thin. */
  order: PairOrderName | null;
  /** 0..1: how clearly the statistics settle the order. */
  certainty: number;
  /** Free-form captions the decision is based on. */
  pairs: number;
  /** Search keys of series values: repeated on the series side, plus the gallery's titles. */
  anime: ReadonlySet<string>;
  /** Search keys of values seen on the name side. */
  names: ReadonlySet<string>;
}

export const EMPTY_CONTEXT: ChannelContext = {
  order: null,
  certainty: 0,
  pairs: 0,
  anime: new Set(),
  names: new Set(),
};

function repeatRate(counts: Map<string, number>, total: number): number {
  return total ? 1 - counts.size / total : 0;
}

export interface ContextOptions {
  /** Anime titles already known to the gallery (any channel). */
  knownAnime?: Iterable<string>;
  /** Fewer free-form captions than this give no channel order (default 8). */
  minPairs?: number;
}

export function buildChannelContext(captions: Iterable<string>, o: ContextOptions = {}): ChannelContext {
  const known = new Set<string>();
  for (const a of o.knownAnime ?? []) if (a) known.add(titleKey(a));
  const left = new Map<string, number>();
  const right = new Map<string, number>();
  let pairs = 0;
  let knownVote = 0;
  let likeVote = 0;
  for (const caption of captions) {
    if (typeof caption !== 'string') continue;
    const lines = captionLines(caption);
    if (isEventMessage(lines) || isRarityLegend(lines)) continue;
    const pair = freeformPair(lines);
    if (!pair) continue;
    pairs++;
    const l = titleKey(pair[0]);
    const r = titleKey(pair[1]);
    left.set(l, (left.get(l) ?? 0) + 1);
    right.set(r, (right.get(r) ?? 0) + 1);
    knownVote += (known.has(l) ? 1 : 0) - (known.has(r) ? 1 : 0);
    const o1 = orderByNameLikeness(pair[0], pair[1]);
    likeVote += o1.swap ? o1.certainty : -o1.certainty * 0.5;
  }
  if (!pairs) return { ...EMPTY_CONTEXT, anime: known };
  // Positive evidence: the left side is the series.
  const evidence = repeatRate(left, pairs) - repeatRate(right, pairs) + knownVote / pairs + (0.3 * likeVote) / pairs;
  const enough = pairs >= (o.minPairs ?? 8) && Math.abs(evidence) >= 0.08;
  const order: PairOrderName | null = enough ? (evidence > 0 ? 'series_first' : 'name_first') : null;
  const certainty = enough ? Math.min(1, Math.abs(evidence) * 3) * Math.min(1, pairs / 30) : 0;
  const seriesSide = order === 'series_first' ? left : right;
  const nameSide = order === 'series_first' ? right : left;
  const anime = new Set(known);
  const names = new Set<string>();
  if (order) {
    for (const [k, n] of seriesSide) if (n >= 2 || titleScore(k) >= 2) anime.add(k);
    for (const [k, n] of nameSide) if (n === 1 && !anime.has(k)) names.add(k);
  }
  return { order, certainty: Math.round(certainty * 100) / 100, pairs, anime, names };
}
