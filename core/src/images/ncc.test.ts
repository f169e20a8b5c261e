/** nccRow scores several placements at once: each must be nccAt's score, bit for bit. */
import { expect, test } from 'vitest';
import { nccAt, nccRow, statsOf } from './ncc.js';
import { rng } from './query-variants.js';
import type { VImg } from './verify-images.js';

test('nccRow gives nccAt of every placement of the row (any run length, flat pictures too)', () => {
  const r = rng(11);
  const img = (w: number, h: number, flat: boolean): VImg => ({ width: w, height: h, data: Float32Array.from({ length: w * h }, () => (flat ? 90 : Math.round(r() * 255 * 4) / 4)) });
  let compared = 0;
  for (let t = 0; t < 400; t++) {
    const bw = 4 + Math.floor(r() * 60), bh = 4 + Math.floor(r() * 40);
    const w = 1 + Math.floor(r() * bw), h = 1 + Math.floor(r() * bh);
    const big = img(bw, bh, t % 17 === 0);
    const small = img(w, h, t % 13 === 0);
    const st = statsOf(small);
    const y = Math.floor(r() * (bh - h + 1));
    const x0 = Math.floor(r() * (bw - w + 1));
    const x1 = x0 + Math.floor(r() * (bw - w + 1 - x0));
    const out = new Float64Array(x1 - x0 + 1);
    nccRow(small, st, big, x0, x1, y, out);
    for (let x = x0; x <= x1; x++, compared++) expect(Object.is(out[x - x0], nccAt(small, st, big, x, y)), `${bw}×${bh} ${w}×${h} at ${x},${y}`).toBe(true);
  }
  expect(compared).toBeGreaterThan(1000);
});
