/** 64-bit DCT pHash and dHash of grey planes, their bit-string form and Hamming distance. */
import type { Code64, Plane } from './feature-types.js';
import { resizeRegion } from './resize.js';

const DCT32: Float32Array = (() => {
  // rows 0..7 of the 32-point DCT-II basis
  const m = new Float32Array(8 * 32);
  for (let k = 0; k < 8; k++) for (let n = 0; n < 32; n++) m[k * 32 + n] = Math.cos((Math.PI / 32) * (n + 0.5) * k);
  return m;
})();

function bitsToCode(bits: ArrayLike<number>): Code64 {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 32; i++) hi = (hi << 1) | (bits[i]! ? 1 : 0);
  for (let i = 32; i < 64; i++) lo = (lo << 1) | (bits[i]! ? 1 : 0);
  return { hi: hi >>> 0, lo: lo >>> 0 };
}

/** DCT pHash (imagehash-style) of a grey plane. */
export function phashPlane(p: Plane): Code64 {
  return phashRegion(p, 0, 0, p.width, p.height);
}

/** pHash of the w×h window at (x, y) of a grey plane: the same as phashPlane of a copy of it. */
export function phashRegion(p: Plane, x: number, y: number, w: number, h: number): Code64 {
  return phashOf32(resizeRegion(p.data, p.width, x, y, w, h, 32, 32));
}

/** pHash of a plane already resized to 32×32. */
function phashOf32(s: Float32Array): Code64 {
  // rows: tmp[k][x] for k<8
  const tmp = new Float32Array(8 * 32);
  for (let k = 0; k < 8; k++) {
    for (let x = 0; x < 32; x++) {
      let acc = 0;
      for (let y = 0; y < 32; y++) acc += DCT32[k * 32 + y]! * s[y * 32 + x]!;
      tmp[k * 32 + x] = acc;
    }
  }
  const c = new Float32Array(64);
  for (let k = 0; k < 8; k++) {
    for (let l = 0; l < 8; l++) {
      let acc = 0;
      for (let x = 0; x < 32; x++) acc += DCT32[l * 32 + x]! * tmp[k * 32 + x]!;
      c[k * 8 + l] = acc;
    }
  }
  // (numeric typed-array sort: the same order statistics as sorting the values with (a, b) => a - b)
  const sorted = Float32Array.from(c).sort();
  const med = (sorted[31]! + sorted[32]!) / 2;
  const bits = new Uint8Array(64);
  for (let i = 0; i < 64; i++) bits[i] = c[i]! > med ? 1 : 0;
  return bitsToCode(bits);
}

/** Horizontal-gradient dHash of a grey plane. */
export function dhashPlane(p: Plane): Code64 {
  return dhashOf9x8(resizeRegion(p.data, p.width, 0, 0, p.width, p.height, 9, 8));
}

function dhashOf9x8(s: Float32Array): Code64 {
  const bits = new Uint8Array(64);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) bits[y * 8 + x] = s[y * 9 + x + 1]! > s[y * 9 + x]! ? 1 : 0;
  return bitsToCode(bits);
}

/**
 * pHash and dHash of a grey plane and of its mirror image, from one resize each: resizing commutes with
 * mirroring (the resize weights are symmetric; bit for bit, which a test checks), so the mirror's
 * small grids are the plane's own, reversed row by row.
 */
export function hashesWithMirror(p: Plane): { plain: HashPair; mirror: HashPair } {
  const s32 = resizeRegion(p.data, p.width, 0, 0, p.width, p.height, 32, 32);
  const s98 = resizeRegion(p.data, p.width, 0, 0, p.width, p.height, 9, 8);
  return {
    plain: { phash: phashOf32(s32), dhash: dhashOf9x8(s98) },
    mirror: { phash: phashOf32(mirrorRows(s32, 32)), dhash: dhashOf9x8(mirrorRows(s98, 9)) },
  };
}

interface HashPair {
  phash: Code64;
  dhash: Code64;
}

/** A copy of a row-major array `width` wide with every row reversed (a left–right mirror image). */
export function mirrorRows<T extends Float32Array | Uint8Array | Int8Array>(data: T, width: number): T {
  const out = data.slice() as T;
  for (let o = 0; o < out.length; o += width) out.subarray(o, o + width).reverse();
  return out;
}

export function codeToBitString(c: Code64): string {
  return c.hi.toString(2).padStart(32, '0') + c.lo.toString(2).padStart(32, '0');
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function hamming(a: Code64, b: Code64): number {
  return popcount32((a.hi ^ b.hi) >>> 0) + popcount32((a.lo ^ b.lo) >>> 0);
}
