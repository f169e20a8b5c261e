/**
 * The search pipeline after query preparation: candidate pool → coarse screening → alignment
 * verification of the best screened candidates → calibrated verdicts; best first.
 */
import { candidatePool, type PooledCandidate } from './candidate-pool.js';
import type { VerifyData } from './feature-types.js';
import type { PreparedQuery } from './prepare-query.js';
import type { SearchIndex } from './search-index.js';
import { calibrateVerdicts, THRESHOLDS, type MatchStage, type Verdict } from './verdict-calibration.js';
import type { RegionEvidence } from './region-agreement.js';
import { VerifyWork, WorkQueue, type CoarseScore, type HelperSearch, type VerifyHelper, type VerifyOutcome } from './verify-work.js';
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
  /** A second thread that takes part of the screening and verification (the answer is the same). */
  helper?: VerifyHelper;
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
  const pictures = pool.map((p) => verifies.get(p.slot));
  const work = new VerifyWork(q.variants, pictures);
  // the verify helper (a second thread) takes units of work from the same queues as this thread
  const helper = opts.helper?.begin(q.variants, pictures);
  const out: RankedCandidate[] = [];
  try {
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
      return near.map((o) => o.i);
    };
    const orders = pool.map((p) => (verifies.has(p.slot) ? closest(p) : []));
    const { scores: coarseOf, local, helperMs: screenHelperMs } = await runScreen(work, orders, helper);
    const screened = pool.map((p, k) => {
      // the variants worth a full verification: the closer two by global signatures, the second one
      // only when its coarse alignment is nearly as good as the first's (mirror vs plain is usually clear)
      const cs = coarseOf[k]!.map((o) => ({ i: o.i, c: o.c }));
      cs.sort((a, b) => b.c - a.c);
      const coarse = cs[0]?.c ?? -1;
      // (caption-free variants always: their painted rows lower the coarse score, which is not masked;
      // a 128 px villager under two caption lines scored 0.09 below its captioned variant at 16 px and
      // was never verified, though it aligned at 1.89 with every region agreeing)
      const variants = cs.filter((o) => o.c >= coarse - VARIANT_COARSE_SLACK || q.variants[o.i]!.name === 'uncaptioned').map((o) => o.i);
      return { ...p, k, rank: k, coarse, variants };
    });
    const chosen = new Set<number>(screened.slice(0, 8).map((p) => p.slot));
    for (const p of [...screened].sort((a, b) => b.coarse - a.coarse)) {
      if (chosen.size >= verifyTop) break;
      chosen.add(p.slot);
    }
    const pre = screened.filter((p) => chosen.has(p.slot)).sort((a, b) => b.coarse - a.coarse);
    timings?.lap('screen', screenHelperMs);
    // the helper verifies with the coarse placements this thread found (it found the others itself)
    const adopt = pre.flatMap((p) => (local.has(p.k) ? coarseOf[p.k]!.filter((s) => p.variants.includes(s.i)).map((s) => [p.k, s] as [number, CoarseScore]) : []));
    const { outcomes, helperMs: verifyHelperMs } = await runVerify(work, pre, adopt, helper);
    // early exit: a near-certain verified match among the first candidates ends the search
    // (at that strength the verdict no longer depends on the other candidates' scores)
    let bestVerified = -2;
    let verified = 0;
    for (const [j, p] of pre.entries()) {
      if (verified >= EARLY_EXIT_AFTER && bestVerified >= THRESHOLDS.certainVerify) break;
      verified++;
      const { ncc, grad, evidence } = outcomes.get(j) ?? work.verify(p.k, p.variants);
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
    timings?.lap('verify', verifyHelperMs);
  } finally {
    helper?.end();
  }
  return out;
}

/** Candidates verified at least before a near-certain match ends the verification. */
const EARLY_EXIT_AFTER = 3;

/** Screens every candidate: this thread and the helper take candidates from one queue. */
async function runScreen(work: VerifyWork, orders: readonly number[][], helper: HelperSearch | undefined) {
  const queue = WorkQueue.create(orders.length);
  const theirs = helper?.screen(queue, orders);
  const scores: CoarseScore[][] = new Array<CoarseScore[]>(orders.length);
  const local = new Set<number>();
  for (let k = queue.take(); k >= 0; k = queue.take()) (scores[k] = work.screen(k, orders[k]!)), local.add(k);
  // (every unit done here: the helper took none, its answer is not waited for)
  const part = local.size < orders.length ? await theirs : null;
  for (const [k, s] of part?.results ?? []) {
    scores[k] = s;
    for (const x of s) work.adopt(k, x);
  }
  // what the helper took but did not answer (it failed) is done here
  for (let k = 0; k < orders.length; k++) if (!scores[k]) (scores[k] = work.screen(k, orders[k]!)), local.add(k);
  return { scores, local, helperMs: part?.cpuMs };
}

/**
 * Verifies the chosen candidates, best screened first, on this thread and the helper; units past the
 * early exit are left out (the caller verifies any it still needs).
 */
async function runVerify(
  work: VerifyWork,
  items: readonly { k: number; variants: number[] }[],
  adopt: readonly [number, CoarseScore][],
  helper: HelperSearch | undefined,
): Promise<{ outcomes: Map<number, VerifyOutcome>; helperMs?: number }> {
  const queue = WorkQueue.create(items.length, { after: EARLY_EXIT_AFTER, atLeast: THRESHOLDS.certainVerify });
  const theirs = items.length ? helper?.verify(queue, items, adopt) : undefined;
  const out = new Map<number, VerifyOutcome>();
  for (let j = queue.take(); j >= 0; j = queue.take()) {
    const o = work.verify(items[j]!.k, items[j]!.variants);
    out.set(j, o);
    queue.finish(j, o.ncc + o.grad);
  }
  let mine = true;
  for (let j = 0; j < queue.end; j++) mine &&= out.has(j);
  const part = mine ? null : await theirs;
  for (const [j, o] of part?.results ?? []) out.set(j, o);
  return { outcomes: out, helperMs: part?.cpuMs };
}
