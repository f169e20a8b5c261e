/**
 * The verification of one search as units of work that any thread can take: the coarse screening of a
 * pooled candidate, then the full verification of a chosen one. The index worker and its verify helper
 * (verify-helper.ts) each hold a VerifyWork of the same data and take units from one shared WorkQueue,
 * so a search's verification runs on two cores; every unit is a pure function of the query variants
 * and the candidate's picture, so which thread computed it changes nothing.
 */
import type { VerifyData } from './feature-types.js';
import type { QueryVariant, VariantJob } from './prepare-query.js';
import { CandidatePyramid, QueryVerifier, type CoarsePlacement } from './query-verifier.js';
import type { RegionEvidence } from './region-agreement.js';
import { regionsAgree } from './verdict-calibration.js';
import { toV, type Chroma, type VImg } from './verify-images.js';

/** What the verifier needs of a query variant (structured-clonable). */
export interface VerifyVariant {
  verify: VImg;
  chroma: Chroma;
  hidden?: Uint8Array;
  density: number;
  captionShare?: number;
}

/** A candidate's coarse alignment with one query variant, and the placements found (for the other thread). */
export interface CoarseScore {
  i: number;
  c: number;
  placements: readonly CoarsePlacement[];
}

export interface VerifyOutcome {
  ncc: number;
  grad: number;
  evidence: RegionEvidence;
}

/** The evidence of a candidate that could not be verified (no picture). */
export const NO_EVIDENCE: Readonly<RegionEvidence> = Object.freeze({ occluded: 0, covered: 0, hueShift: NaN, colourMisfit: NaN, toneMisfit: Infinity, cellTurn: NaN, structureMisfit: NaN, unturned: 0 });

export class VerifyWork {
  private verifiers: QueryVerifier[];
  private pyramids: (CandidatePyramid | undefined)[] = [];
  constructor(
    variants: readonly VerifyVariant[],
    private candidates: readonly (VerifyData | undefined)[],
  ) {
    this.verifiers = variants.map((v) => new QueryVerifier(v.verify, v.chroma, v.hidden, v.density, v.captionShare));
  }

  get size(): number {
    return this.candidates.length;
  }

  private pyramid(k: number): CandidatePyramid | undefined {
    const vi = this.candidates[k];
    return vi && (this.pyramids[k] ??= new CandidatePyramid(toV(vi)));
  }

  /** Coarse alignment of candidate k with each of `variants`, in that order (none without a picture). */
  screen(k: number, variants: readonly number[]): CoarseScore[] {
    const cp = this.pyramid(k);
    if (!cp) return [];
    return variants.map((i) => {
      const v = this.verifiers[i]!;
      const c = v.coarse(cp);
      return { i, c, placements: v.coarsePlacements(cp)! };
    });
  }

  /** Placements another thread found for candidate k and variant i (skips their recomputation). */
  adopt(k: number, s: CoarseScore): void {
    const cp = this.pyramid(k);
    if (cp) this.verifiers[s.i]!.adoptCoarse(cp, s.placements);
  }

  /**
   * Full verification of candidate k with the variants its screening kept: the variant whose alignment
   * is strongest, preferring one whose regions agree.
   */
  verify(k: number, variants: readonly number[]): VerifyOutcome {
    const cp = this.pyramid(k);
    const out: VerifyOutcome = { ncc: -1, grad: -1, evidence: NO_EVIDENCE };
    if (!cp) return out;
    let bestKey = -Infinity;
    for (const i of variants) {
      const r = this.verifiers[i]!.score(cp, this.candidates[k]!.chroma);
      const key = r.ncc + r.grad + (regionsAgree(r.region) ? 2 : 0);
      if (key > bestKey) ((bestKey = key), (out.ncc = r.ncc), (out.grad = r.grad), (out.evidence = r.region));
    }
    return out;
  }
}

/**
 * Units 0..n−1 handed out in order to whichever thread asks (one atomic counter in shared memory). With
 * `stopAt`, a unit's score is published when done, and units past the first index k ≥ `after` whose
 * preceding scores reach `stopAt` are never handed out: the sequential early exit (stop once a
 * near-certain match is among the first candidates), decided from the same scores.
 */
export class WorkQueue {
  private head: Int32Array;
  private done: Int32Array;
  private scores: Float64Array;
  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly n: number,
    readonly stop?: { after: number; atLeast: number },
  ) {
    this.head = new Int32Array(buffer, 0, 2);
    this.done = new Int32Array(buffer, 8, n);
    this.scores = new Float64Array(buffer, 8 * (1 + Math.ceil(n / 2)), n);
  }

  static create(n: number, stop?: { after: number; atLeast: number }): WorkQueue {
    const q = new WorkQueue(new SharedArrayBuffer(8 * (1 + Math.ceil(n / 2)) + 8 * n), n, stop);
    Atomics.store(q.head, 1, n);
    return q;
  }

  /** The next unit to do, or −1 when none is left. */
  take(): number {
    const k = Atomics.add(this.head, 0, 1);
    return k < Atomics.load(this.head, 1) ? k : -1;
  }

  /** Units 0..end−1 are needed (fewer than n once the early exit is decided). */
  get end(): number {
    return Math.min(this.n, Atomics.load(this.head, 1));
  }

  /** Marks unit k done with its score (what the early exit reads). */
  finish(k: number, score = 0): void {
    this.scores[k] = score;
    Atomics.store(this.done, k, 1);
    const s = this.stop;
    if (!s) return;
    // the sequential loop over the units done so far, in order: where would it have stopped?
    let best = -2;
    for (let j = 0; j < this.n && Atomics.load(this.done, j); j++) {
      best = Math.max(best, this.scores[j]!);
      if (j + 1 >= s.after && best >= s.atLeast) {
        // (every thread that gets here computes the same end; the smallest wins)
        for (let end = Atomics.load(this.head, 1); j + 1 < end; end = Atomics.load(this.head, 1))
          if (Atomics.compareExchange(this.head, 1, end, j + 1) === end) break;
        return;
      }
    }
  }
}

/** What the helper did of a queue: the units' results, and its thread's CPU ms for them (NaN off Linux). */
export interface HelperPart<T> {
  results: Map<number, T>;
  cpuMs: number;
}

/** A verify helper's part in one search (verify-helper.ts); every call resolves, null when it did nothing. */
export interface HelperSearch {
  /** Screens units of `queue` alongside the caller (unit k: candidate k with the variants `orders[k]`). */
  screen(queue: WorkQueue, orders: readonly (readonly number[])[]): Promise<HelperPart<CoarseScore[]> | null>;
  /** Verifies units of `queue` (unit j: `items[j]`), with the coarse placements the caller found. */
  verify(
    queue: WorkQueue,
    items: readonly { k: number; variants: readonly number[] }[],
    adopt: readonly [number, CoarseScore][],
  ): Promise<HelperPart<VerifyOutcome> | null>;
  /** The search is over: the helper drops its data. */
  end(): void;
}

/** A second thread for verification work (the search's data are handed to it once, by begin()). */
export interface VerifyHelper {
  begin(variants: readonly VerifyVariant[], candidates: readonly (VerifyData | undefined)[]): HelperSearch;
}

/** The decoded picture as interleaved RGB bytes (what crosses to another thread). */
export interface PictureBytes {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** A second thread for the query's preparation (prepare-shared.ts); resolves null when it did nothing. */
export interface PrepareHelper {
  /** Makes units of `queue` alongside the caller (unit j: the variants of `jobs[j]` of the picture). */
  prepare(queue: WorkQueue, picture: PictureBytes, jobs: readonly VariantJob[]): Promise<HelperPart<QueryVariant[]> | null>;
}
