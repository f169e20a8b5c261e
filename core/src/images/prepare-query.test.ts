/**
 * The query's mirror variants are derived from the plain ones (the small resized grids reversed row by
 * row) instead of being computed from a mirrored copy of the picture: they must be exactly what the
 * mirrored picture gives, bit for bit, for any size (odd, tiny, enlarged, very wide).
 */
import { describe, expect, test } from 'vitest';
import type { Rgb } from './feature-types.js';
import { dhashPlane, phashPlane } from './perceptual-hash.js';
import { greyOf, mirrorPlane, mirrorRgb } from './pixels.js';
import { prepareQuery } from './prepare-query.js';
import { rng } from './query-variants.js';
import { trimRgb } from './trim.js';
import { verifyData } from './verify-data.js';

/** Seeded noise over smooth colour ramps: no symmetry a mirror could hide behind. */
function picture(seed: number, w: number, h: number): Rgb {
  const r = rng(seed);
  const n = w * h;
  const img: Rgb = { width: w, height: h, r: new Float32Array(n), g: new Float32Array(n), b: new Float32Array(n) };
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      img.r[i] = Math.min(255, (x * 255) / w + r() * 40);
      img.g[i] = Math.min(255, (y * 255) / h + r() * 40);
      img.b[i] = Math.min(255, 128 + 100 * Math.sin((x + 2 * y) / 9) + r() * 20);
    }
  return img;
}

describe('prepareQuery mirror variants', () => {
  test.each([
    [1, 512, 384],
    [2, 333, 511],
    [3, 37, 23],
    [4, 512, 97],
    [5, 129, 130],
  ])('seed %i, %i×%i: the derived mirror equals the mirrored picture', (seed, w, h) => {
    const rgb = picture(seed, w, h);
    const mirror = prepareQuery(rgb).variants.find((v) => v.name === 'trim-mirror')!;
    const img = mirrorRgb(trimRgb(rgb).img);
    const grey = mirrorPlane(greyOf(trimRgb(rgb).img));
    const vd = verifyData(img, grey);
    expect(mirror.phash).toEqual(phashPlane(grey));
    expect(mirror.dhash).toEqual(dhashPlane(grey));
    expect({ width: mirror.verify.width, height: mirror.verify.height }).toEqual({ width: vd.width, height: vd.height });
    expect(Buffer.from(Float32Array.from(vd.data).buffer).equals(Buffer.from(mirror.verify.data.buffer))).toBe(true);
    expect(mirror.chroma.width).toBe(vd.chroma.width);
    expect(Buffer.from(mirror.chroma.data.buffer).equals(Buffer.from(vd.chroma.data.buffer))).toBe(true);
  });
});
