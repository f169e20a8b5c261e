/** Pixel plumbing: interleaved bytes to planes, grey, crops and mirror images. */
import type { Plane, Rgb } from './feature-types.js';

/** Converts interleaved 8-bit RGB (3 channels) to planes. */
export function rgbFromInterleaved(data: Uint8Array, width: number, height: number, channels = 3): Rgb {
  const n = width * height;
  const r = new Float32Array(n);
  const g = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    r[i] = data[j]!;
    g[i] = data[j + 1]!;
    b[i] = data[j + 2]!;
  }
  return { width, height, r, g, b };
}

export function greyOf(img: Rgb): Plane {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.299 * img.r[i]! + 0.587 * img.g[i]! + 0.114 * img.b[i]!;
  return { width: img.width, height: img.height, data: out };
}

/** Sub-rectangle of an RGB image. */
export function cropRgb(img: Rgb, x: number, y: number, w: number, h: number): Rgb {
  x = Math.max(0, Math.min(img.width - 1, Math.round(x)));
  y = Math.max(0, Math.min(img.height - 1, Math.round(y)));
  w = Math.max(1, Math.min(img.width - x, Math.round(w)));
  h = Math.max(1, Math.min(img.height - y, Math.round(h)));
  const cp = (src: Float32Array) => {
    const out = new Float32Array(w * h);
    for (let row = 0; row < h; row++) out.set(src.subarray((y + row) * img.width + x, (y + row) * img.width + x + w), row * w);
    return out;
  };
  return { width: w, height: h, r: cp(img.r), g: cp(img.g), b: cp(img.b) };
}

export function mirrorRgb(img: Rgb): Rgb {
  const flip = (src: Float32Array) => {
    const out = Float32Array.from(src);
    for (let y = 0; y < img.height; y++) out.subarray(y * img.width, (y + 1) * img.width).reverse();
    return out;
  };
  return { width: img.width, height: img.height, r: flip(img.r), g: flip(img.g), b: flip(img.b) };
}

/** A plane mirrored left–right (row reversal: exactly the grey of the mirrored image). */
export function mirrorPlane(p: Plane): Plane {
  const out = Float32Array.from(p.data);
  for (let y = 0; y < p.height; y++) out.subarray(y * p.width, (y + 1) * p.width).reverse();
  return { width: p.width, height: p.height, data: out };
}
