import { describe, expect, test } from 'vitest';
import { refineAlignment } from './refine-alignment.js';
import { rng } from './query-variants.js';
import type { VImg } from './verify-images.js';

/** A 64 × 64 drawing on white whose top 6 rows are white (what the original's own trim would have cut). */
function drawing(): VImg {
  const r = rng(7);
  const w = 64, h = 70;
  const data = new Float32Array(w * h).fill(250);
  for (let k = 0; k < 40; k++) {
    const [x0, y0, s] = [Math.floor(r() * 52), 6 + Math.floor(r() * 52), 4 + Math.floor(r() * 8)];
    const v = 30 + 180 * r();
    for (let y = y0; y < Math.min(h, y0 + s); y++) for (let x = x0; x < Math.min(w, x0 + s); x++) data[y * w + x] = v;
  }
  return { width: w, height: h, data };
}

function crop(v: VImg, x: number, y: number, w: number, h: number): VImg {
  const data = new Float32Array(w * h);
  for (let j = 0; j < h; j++) data.set(v.data.subarray((y + j) * v.width + x, (y + j) * v.width + x + w), j * w);
  return { width: w, height: h, data };
}

describe('sub-pixel alignment refinement', () => {
  test('a query that keeps a few margin rows the original was trimmed of aligns past the original’s top', () => {
    const full = drawing();
    const original = crop(full, 0, 6, 64, 64); // trimmed: the white rows gone
    const query = crop(full, 8, 2, 48, 56); // a crop whose top 4 rows are that margin
    // started from the placement the pyramid finds (pinned at the top edge)
    const r = refineAlignment(query, original, 8, 0, 1, 1);
    // (the limit was 1 px: the window stayed pinned at y = −1, four rows off)
    expect(Math.abs(r.y + 4)).toBeLessThan(0.5);
    expect(Math.abs(r.x - 8)).toBeLessThan(0.5);
  });

  test('a window far outside the original is not placed there', () => {
    const full = drawing();
    const original = crop(full, 0, 6, 64, 64);
    const r = refineAlignment(crop(full, 8, 0, 48, 56), original, 8, 0, 1, 1);
    // 6 rows above the top would be needed; the window stays within 6 % (3.84 px) of the border
    expect(r.y).toBeGreaterThanOrEqual(-3.84);
  });
});
