/**
 * Synthetic artwork signatures for the scale benchmark, with the statistics that decide an index's memory
 * and speed: Haar coefficient positions resampled from real gallery pictures (so that the common
 * buckets are as common as in real art), random 64-bit codes, and the small verification images of a
 * real row replaced by a 4×4 stand-in (the index never holds them).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '@waifudex/core/images/analyze-image';
import { computeFeatures } from '@waifudex/core/images/compute-features';
import { FEATURES_VERSION, HAAR_COEFS, type Code64, type ImageFeatures } from '@waifudex/core/images/feature-types';

const here = path.dirname(fileURLToPath(import.meta.url));
export const GALLERY = path.resolve(here, '../../shared/images/gallery');

export interface SignaturePool {
  coefs: Int16Array[];
  dc: [number, number, number][];
  source: string;
}

/** Haar signatures of up to `limit` gallery pictures, or low-frequency-skewed random ones without it. */
export async function loadSignaturePool(limit = 160): Promise<SignaturePool> {
  if (existsSync(GALLERY)) {
    const files = readdirSync(GALLERY)
      .filter((f) => f.endsWith('.jpg'))
      .sort();
    const step = Math.max(1, Math.floor(files.length / limit));
    const pool: SignaturePool = {
      coefs: [],
      dc: [],
      source: `Haar positions resampled from ${Math.min(limit, files.length)} gallery pictures`,
    };
    for (let i = 0; i < files.length && pool.coefs.length < limit; i += step) {
      const f = computeFeatures((await decodeImage(readFileSync(path.join(GALLERY, files[i]!)))).rgb);
      pool.coefs.push(f.haarCoefs);
      pool.dc.push(f.haarDc);
    }
    return pool;
  }
  return { coefs: [], dc: [], source: 'random low-frequency Haar positions (no gallery)' };
}

function randomPosition(r: () => number): number {
  let p: number;
  do p = Math.floor(128 * r() ** 3) * 128 + Math.floor(128 * r() ** 3);
  while (p === 0);
  return r() < 0.5 ? -p : p;
}

/**
 * One synthetic signature: a real picture's coefficients with a third of them swapped for the same rank
 * of other pictures and a tenth for random low-frequency positions (distinct per channel).
 */
export function syntheticSignature(r: () => number, pool: SignaturePool): ImageFeatures {
  const code = (): Code64 => ({ hi: (r() * 2 ** 32) >>> 0, lo: (r() * 2 ** 32) >>> 0 });
  const coefs = new Int16Array(3 * HAAR_COEFS);
  const n = pool.coefs.length;
  const base = n ? Math.floor(r() * n) : -1;
  for (let c = 0; c < 3; c++) {
    const used = new Set<number>();
    for (let k = 0; k < HAAR_COEFS; k++) {
      let v = 0;
      for (let tries = 0; tries < 20 && (v === 0 || used.has(Math.abs(v))); tries++) {
        const x = r();
        if (n && x < 0.6 && tries === 0) v = pool.coefs[base]![c * HAAR_COEFS + k]!;
        else if (n && x < 0.9) v = pool.coefs[Math.floor(r() * n)]![c * HAAR_COEFS + k]!;
        else v = randomPosition(r);
      }
      while (used.has(Math.abs(v))) v = randomPosition(r);
      used.add(Math.abs(v));
      coefs[c * HAAR_COEFS + k] = v;
    }
  }
  const dc = n ? pool.dc[base]! : [0.5, 0, 0];
  return {
    version: FEATURES_VERSION,
    phash: code(),
    dhash: code(),
    cropHashes: Array.from({ length: 7 }, code),
    haarDc: [dc[0]! + (r() - 0.5) * 0.1, dc[1]! + (r() - 0.5) * 0.05, dc[2]! + (r() - 0.5) * 0.05],
    haarCoefs: coefs,
    verify: { width: 4, height: 4, data: new Uint8Array(16), chroma: { width: 2, height: 2, data: new Int8Array(8) } },
  };
}

export function flipBits(c: Code64, bits: number, r: () => number): Code64 {
  let { hi, lo } = c;
  for (let i = 0; i < bits; i++) {
    const b = Math.floor(r() * 64);
    if (b < 32) hi = (hi ^ (1 << b)) >>> 0;
    else lo = (lo ^ (1 << (b - 32))) >>> 0;
  }
  return { hi, lo };
}

/** A re-post of an indexed signature: a few code bits flipped, a tenth of the coefficients replaced. */
export function repostOf(
  f: ImageFeatures,
  r: () => number,
): { phash: Code64; dhash: Code64; haar: { dc: number[]; coefs: Int16Array } } {
  const coefs = Int16Array.from(f.haarCoefs);
  for (let k = 0; k < 12; k++) coefs[Math.floor(r() * coefs.length)] = randomPosition(r);
  return {
    phash: flipBits(f.phash, 4, r),
    dhash: flipBits(f.dhash, 4, r),
    haar: { dc: f.haarDc.map((d) => d + (r() - 0.5) * 0.02), coefs },
  };
}
