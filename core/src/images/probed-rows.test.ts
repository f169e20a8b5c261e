import { describe, expect, test } from 'vitest';
import { ProbedRows } from './probed-rows.js';
import { rng } from './query-variants.js';

describe('probed rows', () => {
  test('read back every row as pushed, empty rows and wide gaps included, before and after a trim', () => {
    const r = rng(9);
    const rows = new ProbedRows();
    const ref: number[][] = [];
    for (let s = 0; s < 5000; s++) {
      // 0–30 ascending bucket numbers with gaps of 1 to ~20k (1–3 varint bytes); every 7th row empty
      const row: number[] = [];
      let b = -1;
      for (let k = s % 7 === 0 ? 0 : Math.floor(r() * 31); k > 0; k--) row.push((b += r() < 0.05 ? 1 + Math.floor(r() * 20_000) : 1 + Math.floor(r() * 60)));
      rows.push(Int32Array.from(row), row.length);
      ref.push(row);
    }
    const out = new Int32Array(64);
    const check = () => {
      for (let s = 0; s < ref.length; s++) expect([...out.subarray(0, rows.read(s, out))]).toEqual(ref[s]);
      // the touch pass reads every row's first byte, the last (empty) one included
      rows.touch(Uint32Array.from(ref.keys()), ref.length);
    };
    check();
    rows.push(new Int32Array(0), 0);
    ref.push([]);
    rows.trim();
    check();
    expect(rows.rows).toBe(5001);
    expect(() => rows.push(Int32Array.of(3, 3), 2)).toThrow(/not above/);
  });
});
