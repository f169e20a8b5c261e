import { describe, expect, test } from 'vitest';
import { rng } from './query-variants.js';
import { Collected, SUB_BITS, substring, SubstringTables } from './substring-tables.js';

const popcount = (x: number) => {
  let n = 0;
  for (let v = x >>> 0; v; v &= v - 1) n++;
  return n;
};

/** A copy of `hi:lo` with `flips[t]` bits flipped inside substring t (distinct bits). */
function flipped(hi: number, lo: number, flips: number[], r: () => number): [number, number] {
  let start = 0;
  for (let t = 0; t < 3; t++) {
    const done = new Set<number>();
    while (done.size < flips[t]!) done.add(start + Math.floor(r() * SUB_BITS[t]!));
    for (const b of done) {
      // bit b counted from the top of hi:lo
      if (b < 32) hi = (hi ^ (1 << (31 - b))) >>> 0;
      else lo = (lo ^ (1 << (63 - b))) >>> 0;
    }
    start += SUB_BITS[t]!;
  }
  return [hi, lo];
}

describe('wide substring tables', () => {
  test('the substrings cover the 64 bits once', () => {
    expect(SUB_BITS.reduce((a, b) => a + b, 0)).toBe(64);
    const r = rng(1);
    for (let i = 0; i < 200; i++) {
      const hi = (r() * 2 ** 32) >>> 0;
      const lo = (r() * 2 ** 32) >>> 0;
      const [s0, s1, s2] = [0, 1, 2].map((t) => substring(t, hi, lo));
      expect(s0! * 2 ** 43 + s1! * 2 ** 22 + s2!).toBe(hi * 2 ** 32 + lo);
    }
  });

  test('find every slot with a code within 7 bits, however the flips spread, packed, folded in or added since', () => {
    const r = rng(2);
    const slots = 30_000;
    const codes = new Uint32Array(slots * 16);
    for (let i = 0; i < codes.length; i++) codes[i] = (r() * 2 ** 32) >>> 0;
    const alive = new Uint8Array(slots).fill(1);
    // queries near chosen codes: 7 flips split (3,3,1), (2,3,2), (3,2,2) and (0,0,7) — the pigeonhole's edges
    const spreads = [
      [3, 3, 1],
      [2, 3, 2],
      [3, 2, 2],
      [0, 0, 7],
      [2, 2, 1],
      [3, 3, 2],
    ];
    const tables = new SubstringTables();
    const built = 20_000;
    tables.build(codes, built, alive);
    // removed slots leave at the next fold
    const dead = Array.from({ length: 300 }, () => Math.floor(r() * built));
    for (const s of dead) alive[s] = 0;
    let folded = false;
    for (let s = built; s < slots; s++) if (tables.add(codes, s)) ((folded = true), tables.fold(s + 1, alive));
    expect(folded).toBe(true);
    // and a few after the last build, in the tails
    const out = new Collected();
    for (let q = 0; q < 60; q++) {
      const slot = Math.floor(r() * slots);
      const j = Math.floor(r() * 8);
      const spread = spreads[q % spreads.length]!;
      const [hi, lo] = flipped(codes[slot * 16 + j]!, codes[slot * 16 + 8 + j]!, spread, r);
      out.clear();
      const n = tables.collect(Uint32Array.of(hi), Uint32Array.of(lo), out);
      const found = new Set(Array.from({ length: n }, (_, i) => out.slots.at(i)));
      const within = spread.reduce((a, b) => a + b, 0) <= 7 && alive[slot] === 1;
      if (within) expect(found.has(slot)).toBe(true);
      // whatever it finds shares a bucket with the query: no slot far in every substring
      for (let i = 0; i < n; i++) {
        const s = out.slots.at(i);
        expect(alive[s]).toBe(1);
        const t = out.tags.at(i) & 3;
        const key = out.keys.at(i);
        const has = Array.from({ length: 8 }, (_, k) => substring(t, codes[s * 16 + k]!, codes[s * 16 + 8 + k]!)).includes(key);
        expect(has).toBe(true);
        expect(popcount(key ^ substring(t, hi, lo))).toBeLessThanOrEqual(t === 2 ? 1 : 2);
      }
    }
  });
});
