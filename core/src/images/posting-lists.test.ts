import { describe, expect, test } from 'vitest';
import { PostingLists } from './posting-lists.js';
import { rng } from './query-variants.js';

const values = (p: PostingLists, list: number) => {
  const out: number[] = [];
  p.forEach(list, (v) => out.push(v));
  return out;
};

describe('gap-encoded posting lists', () => {
  test.each([false, true])('hold the same ascending values as plain arrays across tails, freezes, drops and clears (bulk log: %s)', (bulk) => {
    const r = rng(3);
    const p = new PostingLists(50);
    p.bulk = bulk;
    const ref: number[][] = Array.from({ length: 50 }, () => []);
    let slot = 0;
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 3000; i++) {
        // gaps of 1 to ~2 million (1–3 varint bytes), several lists per slot
        slot += r() < 0.01 ? 1 + Math.floor(r() * 2_000_000) : 1 + Math.floor(r() * 300);
        for (let k = 0; k < 3; k++) {
          const l = Math.floor(r() * 50);
          if (ref[l]!.at(-1) === slot) continue;
          p.append(l, slot);
          ref[l]!.push(slot);
        }
      }
      if (round === 2) p.freeze();
      if (round === 3) {
        const dead = (v: number) => v % 7 === 0;
        p.freeze((v) => !dead(v));
        for (const l of ref.keys()) ref[l] = ref[l]!.filter((v) => !dead(v));
      }
      if (round === 4) (p.clear(9), (ref[9] = []));
    }
    for (let l = 0; l < 50; l++) {
      expect(values(p, l)).toEqual(ref[l]);
      expect(p.count(l)).toBe(ref[l]!.length);
    }
    // scores: every value's weight added once, each value reported as touched once
    const scores = new Float32Array(slot + 1);
    const touched = new Uint32Array(ref[4]!.length + ref[5]!.length);
    let n = p.addWeight(4, 1.5, scores, touched, 0);
    n = p.addWeight(5, 2, scores, touched, n);
    expect(new Set(touched.subarray(0, n)).size).toBe(n);
    expect(n).toBe(new Set([...ref[4]!, ...ref[5]!]).size);
    for (const v of ref[4]!) expect(scores[v]).toBe(ref[5]!.includes(v) ? 3.5 : 1.5);
    // a value not above the last one is refused (lists stay ascending)
    expect(() => p.append(4, ref[4]!.at(-1)!)).toThrow(/not above/);
  });

  test('packing stores about one to three bytes per value, not four', () => {
    const p = new PostingLists(1);
    for (let v = 0; v < 100_000; v++) p.append(0, v * 50);
    p.freeze();
    expect(p.packedBytes).toBe(100_000);
  });
});
