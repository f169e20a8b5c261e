/**
 * Verification on two threads: the verify helper takes units of the same queues as the searching
 * thread, and the answer is the one thread's answer, candidate for candidate and number for number;
 * a helper that takes units and fails leaves them to the searching thread.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeImage } from './analyze-image.js';
import { prepareQuery, type PreparedQuery } from './prepare-query.js';
import { makeNegative, makeVariant, type VariantName } from './query-variants.js';
import { rankCandidates, type RankedCandidate } from './rank-candidates.js';
import { startVerifyHelper, type ClosableVerifyHelper } from './verify-helper.js';
import { WorkQueue, type HelperSearch, type VerifyHelper } from './verify-work.js';
import { THRESHOLDS } from './verdict-calibration.js';
import { lineArt, verifiedPictures } from '../testing/verified-pictures.js';
import { kthSmallest } from './order-statistic.js';
import { rng } from './query-variants.js';

let fixture: Awaited<ReturnType<typeof verifiedPictures>>;
const queries: { name: string; q: PreparedQuery }[] = [];
let helper: ClosableVerifyHelper;
const helperErrors: Error[] = [];

beforeAll(async () => {
  const pictures = await Promise.all(Array.from({ length: 30 }, async (_, i) => [`art${i}`, await lineArt(500 + i)] as const));
  fixture = await verifiedPictures(pictures);
  const variants: VariantName[] = ['crop10', 'mirror', 'text', 'screenshot', 'combo'];
  for (const [i, v] of variants.entries()) {
    const bytes = await makeVariant(pictures[i * 6]![1], v, i + 1);
    queries.push({ name: v, q: prepareQuery((await decodeImage(bytes)).rgb) });
  }
  // not in the index: every chosen candidate is verified
  for (const seed of [900, 901]) queries.push({ name: `unseen ${seed}`, q: prepareQuery((await decodeImage(await makeNegative(await lineArt(seed)))).rgb) });
  helper = startVerifyHelper((err) => helperErrors.push(err));
}, 120_000);

afterAll(() => helper?.close());

/** A helper that counts the units its thread did. */
function counting(h: VerifyHelper) {
  const done = { screen: 0, verify: 0, replies: 0 };
  const wrapped: VerifyHelper = {
    begin(variants, candidates) {
      const s = h.begin(variants, candidates);
      return {
        screen: async (queue, orders) => {
          const r = await s.screen(queue, orders);
          if (r) done.replies++;
          done.screen += r?.results.size ?? 0;
          return r;
        },
        verify: async (queue, items, adopt) => {
          const r = await s.verify(queue, items, adopt);
          done.verify += r?.results.size ?? 0;
          return r;
        },
        end: () => s.end(),
      };
    },
  };
  return { wrapped, done };
}

describe('verification shared with a helper thread', () => {
  test('every query ranks its candidates exactly as one thread does, and the helper did part of the work', { timeout: 180_000 }, async () => {
    const alone: RankedCandidate[][] = [];
    for (const { q } of queries) alone.push(await rankCandidates(fixture.index, q, fixture.loadVerify));
    // the first search starts the thread, which answers once it has loaded
    const warm = counting(helper);
    for (let i = 0; i < 600 && !warm.done.replies; i++) {
      await rankCandidates(fixture.index, queries[0]!.q, fixture.loadVerify, { helper: warm.wrapped });
      await new Promise((r) => setTimeout(r, 100));
    }
    const { wrapped, done } = counting(helper);
    for (const [i, { name, q }] of queries.entries()) {
      const shared = await rankCandidates(fixture.index, q, fixture.loadVerify, { helper: wrapped });
      expect(shared, name).toEqual(alone[i]);
    }
    expect(alone.some((r) => r[0]?.verdict === 'match'), 'some queries are matches').toBe(true);
    expect(alone.some((r) => r.length === 24), 'some queries verify every chosen candidate').toBe(true);
    expect(done.screen + done.verify, 'units done by the helper').toBeGreaterThan(0);
    expect(helperErrors).toEqual([]);
  });

  test('units a failing helper took are done by the searching thread', { timeout: 120_000 }, async () => {
    // takes two units of each queue, then fails (as a helper thread that died would)
    const failing: VerifyHelper = {
      begin: (): HelperSearch => ({
        screen: async (queue) => (queue.take(), queue.take(), null),
        verify: async (queue) => (queue.take(), queue.take(), null),
        end: () => undefined,
      }),
    };
    for (const { name, q } of queries.slice(0, 4).concat(queries.slice(-1))) {
      const alone = await rankCandidates(fixture.index, q, fixture.loadVerify);
      expect(await rankCandidates(fixture.index, q, fixture.loadVerify, { helper: failing }), name).toEqual(alone);
    }
  });

  test('a closed helper is no help and no harm: the search answers alone', { timeout: 60_000 }, async () => {
    const h = startVerifyHelper();
    const { q } = queries[queries.length - 1]!;
    const alone = await rankCandidates(fixture.index, q, fixture.loadVerify);
    await rankCandidates(fixture.index, q, fixture.loadVerify, { helper: h });
    await h.close();
    expect(await rankCandidates(fixture.index, q, fixture.loadVerify, { helper: h })).toEqual(alone);
    await h.close();
  });
});

describe('work queue', () => {
  test('hands out each unit once, in order', () => {
    const q = WorkQueue.create(5);
    const other = new WorkQueue(q.buffer, q.n);
    expect([q.take(), other.take(), q.take(), q.take(), other.take(), q.take(), other.take()]).toEqual([0, 1, 2, 3, 4, -1, -1]);
  });

  test('stops where the one-thread loop stops: after the first units whose best score reaches the limit', () => {
    const stop = { after: 3, atLeast: THRESHOLDS.certainVerify };
    // a near-certain first unit: the loop still verifies three
    let q = WorkQueue.create(10, stop);
    q.finish(q.take(), 1.9);
    expect(q.end).toBe(10);
    q.finish(q.take(), 0.2);
    q.finish(q.take(), 0.1);
    expect([q.end, q.take()]).toEqual([3, -1]);
    // a unit done out of order counts once those before it are done
    q = WorkQueue.create(10, stop);
    const [a, b, c, d, e] = [q.take(), q.take(), q.take(), q.take(), q.take()];
    q.finish(e, 0.1);
    q.finish(d, 1.95);
    q.finish(a, 0.3);
    q.finish(b, 0.4);
    expect(q.end).toBe(10);
    q.finish(c, 0.5);
    expect([q.end, q.take()]).toEqual([4, -1]);
    // no unit reaches it: every unit is handed out
    q = WorkQueue.create(4, stop);
    for (let k = q.take(); k >= 0; k = q.take()) q.finish(k, 1.79);
    expect(q.end).toBe(4);
  });
});

test('the k-th smallest by quickselect is the sorted array at k (ties, zeros, NaN)', () => {
  const r = rng(3);
  for (let t = 0; t < 300; t++) {
    const n = 1 + Math.floor(r() * 200);
    const xs = Float32Array.from({ length: n }, () => (r() < 0.3 ? Math.floor(r() * 4) : r() < 0.05 ? NaN : (r() - 0.3) * 100));
    const k = Math.floor(r() * n);
    expect(kthSmallest(Float32Array.from(xs), k)).toBe(Float32Array.from(xs).sort()[k]);
  }
});
