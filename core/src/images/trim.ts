/**
 * Trimming, applied to gallery and query alike: uniform borders, letterboxing and UI around a picture
 * (phone screenshots) are cut away so both sides are compared on the picture itself.
 */
import type { Rgb } from './feature-types.js';
import { largestBlob } from './picture-region.js';
import { cropRgb } from './pixels.js';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Strips edge rows/columns that are (almost) entirely one colour (each side judged on its own). */
function trimFlatEdges(img: Rgb, box: Box, tol: number): Box {
  const lineFlat = (idx: (k: number) => number, n: number) => {
    // median colour of the line, then count pixels away from it
    const step = Math.max(1, Math.floor(n / 64));
    const m = Math.ceil(n / step);
    const rs = new Float64Array(m);
    const gs = new Float64Array(m);
    const bs = new Float64Array(m);
    for (let k = 0, j = 0; k < n; k += step, j++) {
      const i = idx(k);
      rs[j] = img.r[i]!;
      gs[j] = img.g[i]!;
      bs[j] = img.b[i]!;
    }
    // (numeric typed-array sort: the same order statistic as sorting the values with (p, q) => p - q)
    const med = (a: Float64Array) => a.sort()[a.length >> 1] ?? 0;
    const fr = med(rs);
    const fg = med(gs);
    const fb = med(bs);
    let bad = 0;
    // a few deviant pixels are allowed: anti-aliased corners where two blended edges meet, JPEG noise
    const lim = Math.max(2, n * 0.01);
    for (let k = 0; k < n; k++) {
      const i = idx(k);
      if ((Math.abs(img.r[i]! - fr) > tol || Math.abs(img.g[i]! - fg) > tol || Math.abs(img.b[i]! - fb) > tol) && ++bad > lim) return false;
    }
    return true;
  };
  const W = img.width;
  let { x, y, w, h } = box;
  // repeat: stripping the columns of a frame can make the rows of an inner uniform band flat
  for (let pass = 0; pass < 3; pass++) {
    const before = w * h;
    while (h > 2 && lineFlat((k) => y * W + x + k, w)) (y++, h--);
    while (h > 2 && lineFlat((k) => (y + h - 1) * W + x + k, w)) h--;
    while (w > 2 && lineFlat((k) => (y + k) * W + x, h)) (x++, w--);
    while (w > 2 && lineFlat((k) => (y + k) * W + x + w - 1, h)) w--;
    if (w * h === before) break;
  }
  return { x, y, w, h };
}

/**
 * Normalisation applied to gallery and query alike: strip uniform borders, then (up to 3 times) keep
 * the bounding box of the largest non-frame blob, as trace.moe and the study do.
 */
export function trimBox(img: Rgb): Box {
  let box: Box = { x: 0, y: 0, w: img.width, h: img.height };
  box = trimFlatEdges(img, box, 12);
  for (let i = 0; i < 3; i++) {
    const blob = largestBlob(img, box, 16);
    if (!blob) break;
    box = trimFlatEdges(img, blob, 12);
  }
  if (box.w < 8 || box.h < 8) return { x: 0, y: 0, w: img.width, h: img.height };
  return box;
}

/**
 * Query side only: a looser picture-region guess (the largest non-frame blob that mostly fills its box,
 * rectangular or not), for screenshots where parts of the picture blend into the chat background.
 * Null when it is not clearly different from the strict trim box.
 */
export function looseRegionBox(img: Rgb, strictBox: Box): Box | null {
  let box: Box = trimFlatEdges(img, { x: 0, y: 0, w: img.width, h: img.height }, 12);
  let found = false;
  for (let i = 0; i < 3; i++) {
    const blob = largestBlob(img, box, 16, false);
    if (!blob) break;
    box = trimFlatEdges(img, blob, 12);
    found = true;
  }
  if (!found || box.w < 16 || box.h < 16) return null;
  const ix = Math.max(0, Math.min(box.x + box.w, strictBox.x + strictBox.w) - Math.max(box.x, strictBox.x));
  const iy = Math.max(0, Math.min(box.y + box.h, strictBox.y + strictBox.h) - Math.max(box.y, strictBox.y));
  const inter = ix * iy;
  const iou = inter / (box.w * box.h + strictBox.w * strictBox.h - inter);
  return iou < 0.85 ? box : null;
}

export function trimRgb(img: Rgb): { img: Rgb; box: Box } {
  const box = trimBox(img);
  if (box.w === img.width && box.h === img.height) return { img, box };
  return { img: cropRgb(img, box.x, box.y, box.w, box.h), box };
}
