import { describe, expect, it } from 'vitest';
import { rng } from './query-variants.js';
import { findNearPairs, type HashedItem } from './near-duplicates.js';

const r = rng(5);
const random = () => Array.from({ length: 64 }, () => (r() < 0.5 ? '0' : '1')).join('');
const flip = (h: string, at: number[]) => h.split('').map((c, i) => (at.includes(i) ? (c === '0' ? '1' : '0') : c)).join('');
const distance = (a: string, b: string) => a.split('').filter((c, i) => c !== b[i]).length;

describe('near-duplicate pairs by pHash bands', () => {
  it('finds exactly the pairs a brute-force comparison finds, across groups only', () => {
    const items: HashedItem[] = [];
    for (let i = 0; i < 400; i++) {
      const bits = i % 4 === 1 ? flip(items[i - 1]!.bits, Array.from({ length: i % 6 }, () => Math.floor(r() * 64))) : random();
      items.push({ id: String(i + 1), group: String(i % 4 === 1 && i % 8 === 1 ? items[i - 1]!.group : i + 1), bits });
    }
    const brute: string[] = [];
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        if (items[i]!.group !== items[j]!.group && distance(items[i]!.bits, items[j]!.bits) <= 4) brute.push(`${items[i]!.id}:${items[j]!.id}`);
      }
    }
    const found = findNearPairs(items, 4);
    expect(found.map((p) => `${p.a}:${p.b}`).sort()).toEqual(brute.sort());
    expect(brute.length).toBeGreaterThan(20);
    for (const p of found) expect(p.distance).toBe(distance(items[Number(p.a) - 1]!.bits, items[Number(p.b) - 1]!.bits));
    // closest first
    expect(found.map((p) => p.distance)).toEqual([...found.map((p) => p.distance)].sort((a, b) => a - b));
  });

  it('reports pairs at the edge (all differing bits in one band) and nothing for an empty list', () => {
    const a = random();
    const b = flip(a, [0, 1, 2, 3]);
    expect(findNearPairs([{ id: '1', group: 'x', bits: a }, { id: '2', group: 'y', bits: b }], 4)).toEqual([{ a: '1', b: '2', distance: 4 }]);
    expect(findNearPairs([{ id: '1', group: 'x', bits: a }, { id: '2', group: 'y', bits: flip(a, [0, 1, 2, 3, 4]) }], 4)).toEqual([]);
    expect(findNearPairs([], 4)).toEqual([]);
  });
});
