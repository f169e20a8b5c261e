/**
 * Picture-region detection: the bounding box of the largest connected region that differs from the
 * frame colour (letterboxing, chat UI around a picture in a phone screenshot).
 */
import type { Rgb } from './feature-types.js';
import type { Box } from './trim.js';

function frameColour(img: Rgb, box: Box): [number, number, number] {
  // median of the border pixels of the box, per channel
  const rs: number[] = [];
  const gs: number[] = [];
  const bs: number[] = [];
  const push = (x: number, y: number) => {
    const i = y * img.width + x;
    rs.push(img.r[i]!);
    gs.push(img.g[i]!);
    bs.push(img.b[i]!);
  };
  for (let x = box.x; x < box.x + box.w; x++) {
    push(x, box.y);
    push(x, box.y + box.h - 1);
  }
  for (let y = box.y; y < box.y + box.h; y++) {
    push(box.x, y);
    push(box.x + box.w - 1, y);
  }
  const med = (a: number[]) => a.sort((p, q) => p - q)[a.length >> 1] ?? 0;
  return [med(rs), med(gs), med(bs)];
}

/**
 * Bounding box of the largest connected region that differs from the frame colour, on a coarse
 * grid. Returns null when it is not meaningfully smaller than the box.
 */
export function largestBlob(img: Rgb, box: Box, tol: number, strict = true): Box | null {
  const [fr, fg, fb] = frameColour(img, box);
  const cell = Math.max(1, Math.floor(Math.max(box.w, box.h) / 96));
  const gw = Math.floor(box.w / cell);
  const gh = Math.floor(box.h / cell);
  if (gw < 8 || gh < 8) return null;
  const mask = new Uint8Array(gw * gh);
  const { r: R, g: G, b: B } = img;
  // a cell is set when at least half its pixels differ from the frame: its count stops as soon as that
  // is decided either way (the same mask as counting every pixel, for about half the reads)
  const area = cell * cell;
  const need = Math.ceil(area / 2);
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      let cnt = 0;
      let left = area;
      cells: for (let yy = 0; yy < cell; yy++) {
        const o = (box.y + gy * cell + yy) * img.width + box.x + gx * cell;
        for (let xx = 0; xx < cell; xx++) {
          const i = o + xx;
          if (Math.abs(R[i]! - fr) > tol || Math.abs(G[i]! - fg) > tol || Math.abs(B[i]! - fb) > tol) cnt++;
          left--;
          if (cnt >= need || cnt + left < need) break cells;
        }
      }
      mask[gy * gw + gx] = cnt >= need ? 1 : 0;
    }
  }
  const label = new Int32Array(gw * gh);
  const stack = new Int32Array(gw * gh);
  let best: { n: number; id: number; x0: number; y0: number; x1: number; y1: number } | null = null;
  let total = 0;
  let next = 0;
  for (let s = 0; s < mask.length; s++) {
    if (!mask[s] || label[s]) continue;
    next++;
    let sp = 0;
    stack[sp++] = s;
    label[s] = next;
    let n = 0;
    let x0 = gw;
    let y0 = gh;
    let x1 = -1;
    let y1 = -1;
    while (sp > 0) {
      const p = stack[--sp]!;
      n++;
      const px = p % gw;
      const py = (p - px) / gw;
      if (px < x0) x0 = px;
      if (px > x1) x1 = px;
      if (py < y0) y0 = py;
      if (py > y1) y1 = py;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = py + dy;
        if (ny < 0 || ny >= gh) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = px + dx;
          if (nx < 0 || nx >= gw) continue;
          const q = ny * gw + nx;
          if (mask[q] && !label[q]) {
            label[q] = next;
            stack[sp++] = q;
          }
        }
      }
    }
    total += n;
    if (!best || n > best.n) best = { n, id: next, x0, y0, x1, y1 };
  }
  if (!best) return null;
  const bw = best.x1 - best.x0 + 1;
  const bh = best.y1 - best.y0 + 1;
  // The blob must be picture-like: big enough, and holding most of the non-frame content's area.
  if (bw * bh < 0.08 * gw * gh || bw < 6 || bh < 6) return null;
  if (bw * bh > 0.92 * gw * gh) return null;
  if (best.n < 0.25 * total) return null;
  // picture-like: the blob fills its bounding box (a photo in a chat bubble), unlike a character cut-out
  // (holes count as filled: a cell lies between blob cells along its row or its column — a picture with
  // patches of the frame colour inside it, e.g. a dark artwork in a dark-theme chat)
  let filled = 0;
  {
    const rowLo = new Int32Array(bh).fill(gw), rowHi = new Int32Array(bh).fill(-1);
    const colLo = new Int32Array(bw).fill(gh), colHi = new Int32Array(bw).fill(-1);
    for (let y = best.y0; y <= best.y1; y++)
      for (let x = best.x0; x <= best.x1; x++)
        if (label[y * gw + x] === best.id) {
          const ry = y - best.y0, cx = x - best.x0;
          if (x < rowLo[ry]!) rowLo[ry] = x;
          if (x > rowHi[ry]!) rowHi[ry] = x;
          if (y < colLo[cx]!) colLo[cx] = y;
          if (y > colHi[cx]!) colHi[cx] = y;
        }
    for (let y = best.y0; y <= best.y1; y++)
      for (let x = best.x0; x <= best.x1; x++) {
        const ry = y - best.y0, cx = x - best.x0;
        if ((x >= rowLo[ry]! && x <= rowHi[ry]!) || (y >= colLo[cx]! && y <= colHi[cx]!)) filled++;
      }
  }
  if (filled < (strict ? 0.85 : 0.6) * bw * bh) return null;
  // … and is a rectangle: each side of the bounding box is mostly covered by the blob. An ellipse or a
  // cut-out part of a character (a beak, a nose on a white background) touches its box only at points.
  const bb = best;
  const side = (n: number, at: (k: number) => number) => {
    let on = 0;
    for (let k = 0; k < n; k++) if (mask[at(k)]) on++;
    return on / n;
  };
  // (the outermost line may be a sparse blended edge: the next line in counts too)
  const row = (y: number) => side(bw, (k) => y * gw + bb.x0 + k);
  const col = (x: number) => side(bh, (k) => (bb.y0 + k) * gw + x);
  const cover = Math.min(
    Math.max(row(bb.y0), row(bb.y0 + 1)),
    Math.max(row(bb.y1), row(bb.y1 - 1)),
    Math.max(col(bb.x0), col(bb.x0 + 1)),
    Math.max(col(bb.x1), col(bb.x1 - 1)),
  );
  if (strict && cover < 0.8) return null;
  // refine the cell-aligned box to pixel edges: the outermost rows/columns (within a cell of the coarse
  // edge) where most pixels differ from the frame, so no frame/bubble margin is left inside the box
  const differs = (i: number) => Math.abs(img.r[i]! - fr) > tol || Math.abs(img.g[i]! - fg) > tol || Math.abs(img.b[i]! - fb) > tol;
  let x0 = box.x + bb.x0 * cell;
  let x1 = box.x + (bb.x1 + 1) * cell - 1;
  let y0 = box.y + bb.y0 * cell;
  let y1 = box.y + (bb.y1 + 1) * cell - 1;
  const rowFrac = (y: number) => {
    let c = 0;
    for (let x = x0; x <= x1; x++) if (differs(y * img.width + x)) c++;
    return c / (x1 - x0 + 1);
  };
  const colFrac = (x: number) => {
    let c = 0;
    for (let y = y0; y <= y1; y++) if (differs(y * img.width + x)) c++;
    return c / (y1 - y0 + 1);
  };
  const minX = box.x, maxX = box.x + box.w - 1, minY = box.y, maxY = box.y + box.h - 1;
  // grow outwards while the next line is still mostly picture, then shrink while the edge line is not
  for (let k = 0; k < cell && y0 > minY && rowFrac(y0 - 1) >= 0.5; k++) y0--;
  for (let k = 0; k < cell && y1 < maxY && rowFrac(y1 + 1) >= 0.5; k++) y1++;
  for (let k = 0; k < cell && x0 > minX && colFrac(x0 - 1) >= 0.5; k++) x0--;
  for (let k = 0; k < cell && x1 < maxX && colFrac(x1 + 1) >= 0.5; k++) x1++;
  for (let k = 0; k < 2 * cell && y1 - y0 > 8 && rowFrac(y0) < 0.5; k++) y0++;
  for (let k = 0; k < 2 * cell && y1 - y0 > 8 && rowFrac(y1) < 0.5; k++) y1--;
  for (let k = 0; k < 2 * cell && x1 - x0 > 8 && colFrac(x0) < 0.5; k++) x0++;
  for (let k = 0; k < 2 * cell && x1 - x0 > 8 && colFrac(x1) < 0.5; k++) x1--;
  return { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}
