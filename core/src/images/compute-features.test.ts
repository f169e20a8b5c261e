/**
 * computeFeatures is tuned for speed, but its output is stored and compared with every query: it must
 * stay bit-identical (no FEATURES_VERSION bump). The digests below were produced by the plain
 * implementation from the same seeded inputs; any change in a single bit of any signature fails here.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { decodeImage } from './analyze-image.js';
import { computeFeatures } from './compute-features.js';
import type { ImageFeatures, Rgb } from './feature-types.js';
import { serializeFeatures } from './feature-blob.js';

function digest(fs: ImageFeatures[]): string {
  const h = createHash('sha256');
  // the blob holds the Haar DC as float32: the doubles go in as well
  for (const f of fs) h.update(serializeFeatures(f)).update(JSON.stringify(f.haarDc));
  return h.digest('hex');
}

/** A deterministic test picture: smooth shapes plus noise, optionally inside a flat frame or a chat-like band. */
function synthetic(seed: number, w: number, h: number, frame: 'none' | 'border' | 'letterbox'): Rgb {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const n = w * h;
  const img: Rgb = { width: w, height: h, r: new Float32Array(n), g: new Float32Array(n), b: new Float32Array(n) };
  const cx = rand() * w;
  const cy = rand() * h;
  const rad = (0.2 + rand() * 0.3) * Math.min(w, h);
  const m = frame === 'border' ? Math.round(0.07 * Math.min(w, h)) : 0;
  const band = frame === 'letterbox' ? Math.round(0.2 * h) : 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (x < m || y < m || x >= w - m || y >= h - m || y < band || y >= h - band) {
        img.r[i] = img.g[i] = img.b[i] = frame === 'letterbox' ? 18 : 250;
        continue;
      }
      const inside = Math.hypot(x - cx, y - cy) < rad;
      img.r[i] = Math.min(255, (inside ? 200 : (x * 255) / w) + rand() * 20);
      img.g[i] = Math.min(255, (y * 255) / h + rand() * 20);
      img.b[i] = Math.min(255, (inside ? 40 : 160) + rand() * 30);
    }
  return img;
}

const SYNTHETIC: [number, number, number, 'none' | 'border' | 'letterbox'][] = [
  [1, 512, 384, 'none'],
  [2, 384, 512, 'border'],
  [3, 512, 512, 'letterbox'],
  [4, 300, 170, 'none'],
  [5, 512, 97, 'none'],
  [6, 100, 512, 'border'],
  [7, 20, 24, 'none'],
  [8, 257, 333, 'letterbox'],
];

describe('computeFeatures stays bit-identical', () => {
  test('seeded synthetic pictures (sizes up and down, frames, letterboxing)', () => {
    const fs = SYNTHETIC.map(([seed, w, h, frame]) => computeFeatures(synthetic(seed, w, h, frame)));
    expect(digest(fs)).toBe('b51f3d1190955752ef5d6c302d98a9235f2e7c27a8a6f1769b291d9e944ac7c8');
  });

  const GALLERY = path.resolve(import.meta.dirname, '../../../../shared/images/gallery');
  test.skipIf(!existsSync(GALLERY))('a sample of the shared gallery', async () => {
    const files = readdirSync(GALLERY)
      .filter((f) => /\.jpe?g$/i.test(f))
      .sort();
    const sample = files.filter((_, i) => i % Math.floor(files.length / 24) === 0).slice(0, 24);
    const fs: ImageFeatures[] = [];
    for (const f of sample) fs.push(computeFeatures((await decodeImage(readFileSync(path.join(GALLERY, f)))).rgb));
    expect(digest(fs)).toBe('083ae6a2557e19f4c25ff5205aeac043e085090efb396ded8e73d04d312f80e5');
  });
});
