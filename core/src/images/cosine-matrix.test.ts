import { describe, expect, test } from 'vitest';
import { CosineMatrix } from './cosine-matrix.js';
import { rng } from './query-variants.js';

function randomVector(r: () => number, d: number): Float32Array {
  return Float32Array.from({ length: d }, () => r() * 2 - 1);
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

describe('CosineMatrix', () => {
  test('nearest equals a full sort by cosine similarity, for any limit and a size not a multiple of 4', () => {
    const r = rng(7);
    const d = 37;
    const m = new CosineMatrix(d, 4); // small start: growth is exercised too
    const vectors = new Map<string, Float32Array>();
    for (let i = 1; i <= 500; i++) {
      const v = randomVector(r, d);
      vectors.set(String(i), v);
      m.set(String(i), v);
    }
    const q = randomVector(r, d);
    const expected = [...vectors].map(([id, v]) => ({ id, s: cosine(q, v) })).sort((a, b) => b.s - a.s);
    for (const k of [1, 10, 499, 500, 900]) {
      const got = m.nearest(q, k);
      expect(got.length).toBe(Math.min(k, 500));
      expect(got.map((h) => h.id)).toEqual(expected.slice(0, k).map((e) => e.id));
      got.forEach((h, i) => expect(h.similarity).toBeCloseTo(expected[i]!.s, 5));
    }
  });

  test('set replaces, delete moves the last row into the gap, ids stay right', () => {
    const d = 8;
    const m = new CosineMatrix(d);
    const unit = (i: number) => Float32Array.from({ length: d }, (_, j) => (j === i ? 3 : 0)); // not normalised
    for (let i = 0; i < d; i++) m.set(`${i + 1}`, unit(i));
    expect(m.size).toBe(8);
    expect(m.nearest(unit(2), 1)).toEqual([{ id: '3', similarity: 1 }]);
    m.set('3', unit(5)); // replaced: now the same direction as 6
    expect(m.size).toBe(8);
    expect(m.nearest(unit(5), 2).map((h) => h.id)).toEqual(['3', '6']); // ties: lower id first
    expect(m.delete('1')).toBe(true);
    expect(m.delete('1')).toBe(false);
    expect(m.has('8')).toBe(true);
    expect(m.size).toBe(7);
    // '8' was moved into row 0 and must still be found under its own id and vector
    expect(m.nearest(unit(7), 1)).toEqual([{ id: '8', similarity: 1 }]);
    expect(m.nearest(unit(0), 7).every((h) => h.similarity === 0)).toBe(true);
  });

  test('zero vectors score 0; wrong sizes are refused; an empty matrix finds nothing', () => {
    const m = new CosineMatrix(3);
    expect(m.nearest([1, 0, 0], 5)).toEqual([]);
    m.set('1', [0, 0, 0]);
    m.set('2', [-1, 0, 0]);
    expect(m.nearest([1, 0, 0], 5)).toEqual([
      { id: '1', similarity: 0 },
      { id: '2', similarity: -1 },
    ]);
    expect(m.nearest([0, 0, 0], 1)).toEqual([{ id: '1', similarity: 0 }]);
    expect(() => m.set('3', [1, 2])).toThrow(/2 dimensions, expected 3/);
    expect(() => m.nearest([1, 2, 3, 4], 1)).toThrow(/4 dimensions/);
    expect(() => new CosineMatrix(0)).toThrow(/invalid embedding size/);
  });
});
