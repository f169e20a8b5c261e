/**
 * Local structure of an aligned pair: does one compact region of the drawing differ (another face
 * pasted over the same template) while the rest agrees?
 *
 * Per cell of an 8 × 8 grid, the disagreement is 1 − the cell's own NCC (each cell normalised by its
 * own mean and contrast, so a detailed face weighs as much as a plain body). Blur, JPEG and sub-pixel
 * misalignment of a re-post lower every detailed cell a little; a swapped face makes a block of
 * neighbouring cells disagree outright. The misfit is therefore the best 2 × 2 block's *smallest* cell
 * in excess of the median cell: a single bad cell (an edge, a cut ear, the rim of a caption) is not a
 * block, and a region that differs everywhere is not one region.
 */

/** Cells per side: a face region (~40 % × 35 % of the picture) then holds a whole 2 × 2 block. */
const GRID = 8;
/** Cells with fewer kept pixels than this share carry no evidence. */
const MIN_CELL_KEPT = 0.4;
/** A cell is compared when at least one side has this much contrast (grey variance): flat on both is no evidence. */
const MIN_DETAIL = 20;
/** A 2 × 2 block needs at least this many cells with evidence. */
const MIN_BLOCK_CELLS = 3;

/**
 * Structure misfit of `a` against `b` (same size, the aligned frame), pixels with `occ` set left out.
 * 0 = every region agrees as well as the typical one; ≈ 1 = a block of cells is unrelated. NaN when
 * fewer than four cells carry evidence. `queryIsA`: which side is the query.
 */
export function structureMisfit(a: Float32Array, b: Float32Array, occ: Uint8Array, w: number, h: number, queryIsA = true): number {
  const cells = new Float64Array(GRID * GRID).fill(NaN);
  const valid: number[] = [];
  for (let gy = 0; gy < GRID; gy++)
    for (let gx = 0; gx < GRID; gx++) {
      const u0 = Math.floor((gx * w) / GRID), u1 = Math.floor(((gx + 1) * w) / GRID);
      const v0 = Math.floor((gy * h) / GRID), v1 = Math.floor(((gy + 1) * h) / GRID);
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, m = 0;
      for (let v = v0; v < v1; v++)
        for (let u = u0; u < u1; u++) {
          const i = v * w + u;
          if (occ[i]) continue;
          const p = a[i]!, q = b[i]!;
          sa += p; sb += q; saa += p * p; sbb += q * q; sab += p * q; m++;
        }
      if (m === 0 || m < MIN_CELL_KEPT * (u1 - u0) * (v1 - v0)) continue;
      const va = saa / m - (sa / m) ** 2, vb = sbb / m - (sb / m) ** 2;
      if (Math.max(va, vb) < MIN_DETAIL) continue;
      // detail the query adds over the original's plain background is an overlay (a chat bubble's
      // corner, a sticker, a watermark), not another drawing of the same template: another character's
      // face or pattern sits where the original has detail too
      if ((queryIsA ? vb : va) < MIN_DETAIL) continue;
      const cov = sab / m - (sa / m) * (sb / m);
      // a side without contrast counts as unrelated (its variance floored at 1 grey level²)
      const d = 1 - cov / Math.sqrt(Math.max(va, 1) * Math.max(vb, 1));
      cells[gy * GRID + gx] = d;
      valid.push(d);
    }
  if (valid.length < 4) return NaN;
  valid.sort((x, y) => x - y);
  const median = valid[valid.length >> 1]!;
  let worst = 0;
  for (let gy = 0; gy + 1 < GRID; gy++)
    for (let gx = 0; gx + 1 < GRID; gx++) {
      let n = 0, low = Infinity;
      for (const j of [gy * GRID + gx, gy * GRID + gx + 1, (gy + 1) * GRID + gx, (gy + 1) * GRID + gx + 1]) {
        const d = cells[j]!;
        if (Number.isNaN(d)) continue;
        n++;
        low = Math.min(low, d);
      }
      if (n >= MIN_BLOCK_CELLS) worst = Math.max(worst, low - median);
    }
  return worst;
}
