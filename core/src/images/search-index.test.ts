/**
 * The index above 50k entries, where multi-index hashing (radius capped at 7) and Haar bucket pruning
 * switch on, against a flat scan of the same entries. It is built as a server builds it: a bulk load at
 * start, then live upserts that take it past 50k, where multi-index hashing switches on mid-stream.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { rng } from './query-variants.js';
import { syntheticFeatures } from '../testing/synthetic-features.js';
import { SearchIndex } from './search-index.js';
import type { Code64, ImageFeatures } from './feature-types.js';
import { haarDistance } from './haar-signature.js';

const N = 51_000;
const LOADED_AT_START = 48_000; // the rest arrive one by one, crossing the multi-index hashing threshold
let index: SearchIndex;
const features: ImageFeatures[] = [];

function flip(c: Code64, bits: number, r: () => number): Code64 {
  let { hi, lo } = c;
  const done = new Set<number>();
  while (done.size < bits) {
    const b = Math.floor(r() * 64);
    if (done.has(b)) continue;
    done.add(b);
    if (b < 32) hi = (hi ^ (1 << b)) >>> 0;
    else lo = (lo ^ (1 << (b - 32))) >>> 0;
  }
  return { hi, lo };
}

beforeAll(() => {
  const r = rng(50_001);
  index = new SearchIndex(N);
  index.beginBulk();
  for (let i = 0; i < N; i++) {
    const f = syntheticFeatures(r);
    features.push(f);
    index.upsert(`a${i}`, `c${i}`, f);
    if (i === LOADED_AT_START - 1) index.compact();
  }
}, 240_000);

describe(`search index at ${N} entries`, () => {
  test('multi-index hashing returns what a flat scan returns within radius 7, nothing beyond', () => {
    const r = rng(7);
    for (let q = 0; q < 30; q++) {
      const target = Math.floor(r() * N);
      const f = features[target]!;
      // a pHash or a stored crop hash, 0–10 bits away, with its mirror-like second code unrelated
      const source = r() < 0.5 ? f.phash : f.cropHashes[Math.floor(r() * f.cropHashes.length)]!;
      const bits = Math.floor(r() * 11);
      const queries = [flip(source, bits, r), flip(features[(target + 1) % N]!.phash, 20, r)];
      const mih = index.nearestCodes(queries, 10);
      const flat = index.nearestFlat(queries, 10, 7);
      expect(mih.map((h) => [h.slot, h.distance])).toEqual(flat.map((h) => [h.slot, h.distance]));
      if (bits <= 7) expect(mih[0]).toEqual(expect.objectContaining({ slot: target, distance: bits }));
      else expect(mih.some((h) => h.slot === target)).toBe(false);
      // the flat scan has no cap: the entry is still its nearest
      expect(index.nearestFlat(queries, 1)[0]!.slot).toBe(target);
    }
  });

  test('pruned Haar buckets still rank a near copy first, with its exact distance', () => {
    const r = rng(11);
    for (let q = 0; q < 6; q++) {
      const exhaustive = q < 2;
      const target = Math.floor(r() * N);
      const f = features[target]!;
      // a re-encode: a tenth of the 120 coefficients replaced, DC nudged
      const coefs = Int16Array.from(f.haarCoefs);
      for (let k = 0; k < 12; k++) coefs[Math.floor(r() * coefs.length)] = (1 + Math.floor(r() * 16000)) * (r() < 0.5 ? -1 : 1);
      const sig = { dc: f.haarDc.map((d) => d + (r() - 0.5) * 0.02), coefs };
      const hits = index.nearestHaar(sig, 8);
      expect(hits[0]!.slot).toBe(target);
      expect(hits[0]!.distance).toBeCloseTo(index.haarDistanceTo(target, sig), 6);
      if (!exhaustive) continue;
      // the exhaustive best over all entries is the same entry
      let best = Infinity;
      let bestSlot = -1;
      for (let s = 0; s < N; s++) {
        const d = index.haarDistanceTo(s, sig);
        if (d < best) ((best = d), (bestSlot = s));
      }
      expect(bestSlot).toBe(target);
    }
  });

  test('without a copy of the coefficients, the distance of a slot equals the plain iqdb distance (stop buckets included)', () => {
    const r = rng(13);
    for (let q = 0; q < 5; q++) {
      const f = features[Math.floor(r() * N)]!;
      const sig = { dc: f.haarDc.map((d) => d + (r() - 0.5) * 0.05), coefs: Int16Array.from(f.haarCoefs) };
      for (let k = 0; k < 20; k++) sig.coefs[Math.floor(r() * sig.coefs.length)] = (1 + Math.floor(r() * 3000)) * (r() < 0.5 ? -1 : 1);
      // after a search with this signature, slots outside its rescored best get their probed buckets probed
      if (q % 2 === 0) for (const h of index.nearestHaar(sig, 8)) expect(h.distance).toBeCloseTo(index.haarDistanceTo(h.slot, { ...sig, coefs: Int16Array.from(sig.coefs) }), 5);
      for (let t = 0; t < 200; t++) {
        const slot = Math.floor(r() * N);
        const f2 = features[slot]!;
        expect(index.haarDistanceTo(slot, sig)).toBeCloseTo(haarDistance(sig, { dc: f2.haarDc, coefs: f2.haarCoefs }), 3);
      }
    }
  });

  test('removal, replacement and re-adding keep ids, slots and candidates consistent', () => {
    const f = features[100]!;
    expect(index.remove('a100')).toBe(true);
    expect(index.remove('a100')).toBe(false);
    expect(index.nearestFlat([f.phash], 1)[0]!.slot).not.toBe(100);
    const slot = index.upsert('a100', 'c100', f);
    expect(index.characterId(slot)).toBe('c100');
    expect(index.nearestCodes([f.phash], 1)[0]).toEqual({ slot, distance: 0 });
    expect(index.nearestHaar({ dc: f.haarDc, coefs: f.haarCoefs }, 1)[0]!.slot).toBe(slot);
    const replaced = index.upsert('a100', 'c7', f);
    expect(index.isAlive(slot)).toBe(false);
    expect(index.characterId(replaced)).toBe('c7');
    index.compact();
    expect(index.count).toBe(N);
    expect(index.nearestHaar({ dc: f.haarDc, coefs: f.haarCoefs }, 1)[0]!.slot).toBe(replaced);
  });

  test('a bulk load answers like upserts one by one', () => {
    const bulk = new SearchIndex();
    bulk.beginBulk();
    const n = 25_000; // past the stop-bucket plan
    for (let i = 0; i < n; i++) bulk.upsert(`a${i}`, `c${i}`, features[i]!);
    const one = new SearchIndex();
    for (let i = 0; i < n; i++) one.upsert(`a${i}`, `c${i}`, features[i]!);
    // before compact() too: the log is folded in when read
    const sig = { dc: features[7]!.haarDc, coefs: Int16Array.from(features[7]!.haarCoefs) };
    expect(bulk.nearestHaar(sig, 5)).toEqual(one.nearestHaar({ ...sig, coefs: Int16Array.from(sig.coefs) }, 5));
    bulk.compact();
    const r = rng(5);
    for (let q = 0; q < 20; q++) {
      const f = features[Math.floor(r() * n)]!;
      const s1 = { dc: f.haarDc, coefs: Int16Array.from(f.haarCoefs) };
      const s2 = { dc: f.haarDc, coefs: Int16Array.from(f.haarCoefs) };
      // the two planned their buckets at different sizes, so their far candidates may differ: the same
      // best, and the same exact distance for every candidate
      const [a, b] = [bulk.nearestHaar(s1, 8), one.nearestHaar(s2, 8)];
      expect(a[0]!.slot).toBe(b[0]!.slot);
      for (const h of a) expect(h.distance).toBeCloseTo(one.haarDistanceTo(h.slot, s2), 5);
      expect(bulk.nearestCodes([f.phash], 8)).toEqual(one.nearestCodes([f.phash], 8));
    }
    expect(bulk.memoryBytes().total).toBeLessThan(one.memoryBytes().total);
  });

  test('a bulk load past the hashing threshold, as a server starts, answers like a flat scan before and after compact()', () => {
    // the tables switch on in bulk mode: they wait for the load's end, and a read before it builds them
    const bulk = new SearchIndex();
    bulk.beginBulk();
    for (let i = 0; i < N; i++) bulk.upsert(`a${i}`, `c${i}`, features[i]!);
    const r = rng(17);
    const probe = (pool: ImageFeatures[]) => {
      for (let q = 0; q < 12; q++) {
        const f = pool[Math.floor(r() * pool.length)]!;
        const queries = [flip(f.cropHashes[q % f.cropHashes.length]!, q % 8, r), flip(f.phash, 3, r)];
        expect(bulk.nearestCodes(queries, 10)).toEqual(bulk.nearestFlat(queries, 10, 7));
      }
    };
    probe(features);
    bulk.compact();
    probe(features);
    // then live: removals, and new entries in the tables' tails, queried for
    for (let i = 0; i < 200; i++) bulk.remove(`a${Math.floor(r() * N)}`);
    const fresh = Array.from({ length: 200 }, () => syntheticFeatures(r));
    fresh.forEach((f, i) => bulk.upsert(`b${i}`, 'c', f));
    probe(fresh);
    probe(features);
  });

  test('numeric database ids, in and out of order, are found again', () => {
    const small = new SearchIndex(4);
    const order = ['5', '9', '12', '3', '40', '9', '9007199254740000'];
    for (const [i, id] of order.entries()) small.upsert(id, `${i}`, features[i]!);
    expect(small.count).toBe(6);
    expect(small.artworkId(6)).toBe('9007199254740000');
    expect(small.artworkId(0)).toBe('5');
    for (const id of ['3', '5', '12', '40', '9007199254740000']) expect(small.remove(id)).toBe(true);
    expect(small.remove('9')).toBe(true);
    expect(small.remove('9')).toBe(false);
    expect(small.count).toBe(0);
  });
}, 240_000);

describe('re-planned probed buckets', () => {
  test('buckets joining and leaving the probed set, or becoming stop buckets, keep every exact distance', () => {
    const r = rng(77);
    const idx = new SearchIndex();
    const probed = () => new Set<number>((idx as unknown as { probedBucket: number[] }).probedBucket);
    const stored: ImageFeatures[] = [];
    const add = (f: ImageFeatures) => (stored.push(f), idx.upsert(`a${stored.length - 1}`, 'c', f));
    // loaded in bulk, as a server starts, then planned by compact()
    idx.beginBulk();
    for (let i = 0; i < 21_000; i++) add(syntheticFeatures(r));
    idx.compact();
    const before = probed();
    // then mostly art whose energy sits two rows lower in the Haar plane: the common buckets of the first
    // ones lose their share, and others gain one (some of the first ones are removed)
    const shifted = (v: number) => Math.sign(v) * (((Math.abs(v) - 1 + 256) % 16383) + 1);
    for (let i = 0; i < 22_000; i++) {
      const f = syntheticFeatures(r);
      add({ ...f, haarCoefs: f.haarCoefs.map(shifted) });
      if (i % 50 === 0) idx.remove(`a${Math.floor(r() * 21_000)}`);
    }
    idx.compact();
    const after = probed();
    const isStop = (idx as unknown as { isStop: Uint8Array }).isStop;
    expect([...before].filter((b) => !after.has(b) && !isStop[b]).length).toBeGreaterThan(0);
    expect([...before].filter((b) => isStop[b]).length).toBeGreaterThan(0);
    expect([...after].filter((b) => !before.has(b)).length).toBeGreaterThan(0);
    // queries and slots of both kinds: a left bucket counts only where both have it
    const pick = (q: number) => Math.floor(r() * (q % 2 ? 21_000 : stored.length));
    for (let q = 0; q < 6; q++) {
      const f = stored[pick(q)]!;
      const sig = { dc: f.haarDc, coefs: Int16Array.from(f.haarCoefs) };
      for (const h of idx.nearestHaar(sig, 8)) {
        const s = stored[Number(idx.artworkId(h.slot).slice(1))]!;
        expect(h.distance).toBeCloseTo(haarDistance(sig, { dc: s.haarDc, coefs: s.haarCoefs }), 3);
      }
      for (let t = 0; t < 100; t++) {
        const slot = pick(t);
        if (!idx.isAlive(slot)) continue;
        const s = stored[Number(idx.artworkId(slot).slice(1))]!;
        expect(idx.haarDistanceTo(slot, sig)).toBeCloseTo(haarDistance(sig, { dc: s.haarDc, coefs: s.haarCoefs }), 3);
      }
    }
  });
}, 240_000);
