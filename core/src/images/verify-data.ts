/**
 * The small verification images stored per artwork: grey (long side VERIFY_SIDE) for alignment/NCC
 * re-ranking and half-resolution YIQ chroma for hue-tolerant colour checks.
 */
import { VERIFY_SIDE, type Plane, type Rgb, type VerifyData } from './feature-types.js';
import { resizePlane } from './resize.js';
import { mirrorRows } from './perceptual-hash.js';

export function verifyImage(p: Plane, side = VERIFY_SIDE): { width: number; height: number; data: Uint8Array } {
  const scale = side / Math.max(p.width, p.height);
  const w = Math.max(4, Math.round(p.width * scale));
  const h = Math.max(4, Math.round(p.height * scale));
  const d = resizePlane(p.data, p.width, p.height, w, h);
  const out = new Uint8Array(w * h);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(d[i]!)));
  return { width: w, height: h, data: out };
}

/** YIQ chroma planes (I then Q) of an RGB image at w×h, int8 (value / 1.25). */
export function chromaImage(img: Rgb, w: number, h: number): { width: number; height: number; data: Int8Array } {
  const r = resizePlane(img.r, img.width, img.height, w, h);
  const g = resizePlane(img.g, img.width, img.height, w, h);
  const b = resizePlane(img.b, img.width, img.height, w, h);
  const n = w * h;
  const out = new Int8Array(2 * n);
  const q8 = (v: number) => Math.max(-127, Math.min(127, Math.round(v / 1.25)));
  for (let i = 0; i < n; i++) {
    out[i] = q8(0.596 * r[i]! - 0.275 * g[i]! - 0.321 * b[i]!);
    out[n + i] = q8(0.212 * r[i]! - 0.523 * g[i]! + 0.311 * b[i]!);
  }
  return { width: w, height: h, data: out };
}

/** Grey verification image plus half-resolution chroma. */
export function verifyData(img: Rgb, grey: Plane): VerifyData {
  const v = verifyImage(grey);
  const chroma = chromaImage(img, Math.max(2, Math.round(v.width / 2)), Math.max(2, Math.round(v.height / 2)));
  return { ...v, chroma };
}

/**
 * The verification data of the mirror image, from the image's own: grey and both chroma planes reversed
 * row by row (resizing commutes with mirroring, see hashesWithMirror).
 */
export function mirrorVerifyData(v: VerifyData): VerifyData {
  const c = v.chroma;
  const n = c.width * c.height;
  const chroma = new Int8Array(2 * n);
  chroma.set(mirrorRows(c.data.subarray(0, n), c.width));
  chroma.set(mirrorRows(c.data.subarray(n), c.width), n);
  return { width: v.width, height: v.height, data: mirrorRows(v.data, v.width), chroma: { ...c, data: chroma } };
}
