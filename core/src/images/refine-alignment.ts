/** Sub-pixel, per-axis-scale refinement of an integer placement (coordinate ascent on the NCC). */
import { nccFlat, warpWindow, WarpNcc } from './ncc.js';
import { resizePlane } from './resize.js';
import type { VImg } from './verify-images.js';

// `small` is a query variant or a candidate, the same picture for many placements: halved once
const HALVED = new WeakMap<Float32Array, { width: number; sub: VImg; warp: WarpNcc }>();
function halfOnce(small: VImg): { sub: VImg; warp: WarpNcc } {
  const seen = HALVED.get(small.data);
  if (seen?.width === small.width) return seen;
  const sub: VImg = { width: Math.max(2, small.width >> 1), height: Math.max(2, small.height >> 1), data: new Float32Array(0) };
  sub.data = resizePlane(small.data, small.width, small.height, sub.width, sub.height);
  const entry = { width: small.width, sub, warp: new WarpNcc(sub) };
  HALVED.set(small.data, entry);
  return entry;
}

/**
 * How far (share of the big side) the window may reach past the big image, whose border is then repeated:
 * a crop of an icon on a plain background can keep margin rows (JPEG ringing kept them from being flat)
 * that the original's own trim removed. A 10 % crop of a 128 px villager kept 7 such rows (3.6 px of the
 * 64 px frame), and the old 1 px limit pinned its alignment off by them (colour misfit 0.22, a miss).
 */
const OUTSIDE = 0.06;

/**
 * Coordinate ascent on (x, y, sx, sy) from an integer placement: steps of ½ then ¼ pixel for the offsets
 * and 2 % then 1 % then ½ % for the scales. The window must stay (almost) inside `big`.
 */
export function refineAlignment(small: VImg, big: VImg, x: number, y: number, sx: number, sy: number) {
  const win = new Float32Array(small.width * small.height);
  // the search runs on every other pixel of `small` (a quarter of the work); the final window is full
  const { sub, warp } = halfOnce(small);
  const fx = small.width / sub.width;
  const fy = small.height / sub.height;
  const ox = Math.max(1, OUTSIDE * big.width);
  const oy = Math.max(1, OUTSIDE * big.height);
  const fits = (px: number, py: number, qx: number, qy: number) =>
    px >= -ox && py >= -oy && px + small.width * qx <= big.width + ox && py + small.height * qy <= big.height + oy;
  // coordinate ascent revisits placements (a step back, an unchanged neighbour): each is computed once
  const seen: number[] = []; // px, py, qx, qy, score
  const evalAt = (px: number, py: number, qx: number, qy: number) => {
    if (!fits(px, py, qx, qy)) return -2;
    for (let i = 0; i < seen.length; i += 5)
      if (seen[i] === px && seen[i + 1] === py && seen[i + 2] === qx && seen[i + 3] === qy) return seen[i + 4]!;
    const sc = warp.ncc(big, px, py, qx * fx, qy * fy);
    seen.push(px, py, qx, qy, sc);
    return sc;
  };
  let best = evalAt(x, y, sx, sy);
  for (const [dp, ds] of [
    [1, 0.02],
    [0.5, 0.01],
    [0.25, 0.005],
  ] as const) {
    for (let it = 0; it < 4; it++) {
      let improved = false;
      const tries: [number, number, number, number][] = [
        [x - dp, y, sx, sy],
        [x + dp, y, sx, sy],
        [x, y - dp, sx, sy],
        [x, y + dp, sx, sy],
        // scale about the window centre
        [x - (small.width * sx * ds) / 2, y, sx * (1 + ds), sy],
        [x + (small.width * sx * ds) / 2, y, sx * (1 - ds), sy],
        [x, y - (small.height * sy * ds) / 2, sx, sy * (1 + ds)],
        [x, y + (small.height * sy * ds) / 2, sx, sy * (1 - ds)],
      ];
      for (const t of tries) {
        const sc = evalAt(t[0], t[1], t[2], t[3]);
        if (sc > best + 1e-4) ((best = sc), ([x, y, sx, sy] = t), (improved = true));
      }
      if (!improved) break;
    }
  }
  warpWindow(small, big, x, y, sx, sy, win);
  return { ncc: nccFlat(small.data, win), x, y, sx, sy, window: { width: small.width, height: small.height, data: win } as VImg };
}
