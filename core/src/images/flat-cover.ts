/**
 * Flat covers: stickers, emoji blocks, UI patches pasted over a re-post. Where the query is flat (no
 * texture at all) while the aligned original has detail, something opaque sits on the picture. Decided
 * from both sides' local texture, not from their difference: another character's region differs but
 * has texture of its own (a swapped face, a recoloured body), so it is not excused; and only at the
 * picture's border, where stickers and UI patches sit and a face does not.
 */

/** Local texture window: (2·RADIUS + 1)² verification pixels. */
const RADIUS = 2;
/** The query is flat below this grey std (JPEG noise on a plain sticker stays under it) … */
const FLAT_STD = 2.5;
/** … where the original has at least this much texture. */
const DETAIL_STD = 12;
/** Flat pixels are widened by this many pixels (a sticker's outline, anti-aliased edges). */
const GROW = 3;
/** Neighbouring flat pixels of one cover differ by at most this grey level; the original differs from it by more. */
const SAME_GREY = 8;
/** Less than this share of the picture is noise (a flat patch in a blurred re-post), not a cover. */
const MIN_SHARE = 0.03;

// scratch reused by every call (synchronous, nothing kept past a call): the summed-area tables, the
// original's local std, and the flood fill's marks and stacks
const scratch = { s1: new Float64Array(0), s2: new Float64Array(0), os: new Float32Array(0), seed: new Uint8Array(0), cover: new Uint8Array(0), rows: new Uint8Array(0), stack: new Int32Array(0), region: new Int32Array(0) };
function grown(n: number, tables: number): void {
  if (scratch.s1.length < tables) ((scratch.s1 = new Float64Array(tables)), (scratch.s2 = new Float64Array(tables)));
  if (scratch.os.length < n) {
    scratch.os = new Float32Array(n);
    scratch.seed = new Uint8Array(n);
    scratch.cover = new Uint8Array(n);
    scratch.rows = new Uint8Array(n);
    scratch.stack = new Int32Array(n);
    scratch.region = new Int32Array(n);
  }
}

/** Grey std over each pixel's window, from summed-area tables (one pass, whatever the radius). */
function localStd(d: Float32Array, w: number, h: number, out = new Float32Array(w * h)): Float32Array {
  const W = w + 1;
  grown(w * h, W * (h + 1));
  const { s1, s2 } = scratch;
  // (the tables' first row and column are zeros; every other entry is written before it is read)
  s1.fill(0, 0, W);
  s2.fill(0, 0, W);
  for (let y = 1; y <= h; y++) (s1[y * W] = 0), (s2[y * W] = 0);
  for (let y = 0; y < h; y++) {
    let r1 = 0, r2 = 0;
    for (let x = 0; x < w; x++) {
      const p = d[y * w + x]!;
      r1 += p; r2 += p * p;
      s1[(y + 1) * W + x + 1] = s1[y * W + x + 1]! + r1;
      s2[(y + 1) * W + x + 1] = s2[y * W + x + 1]! + r2;
    }
  }
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - RADIUS), y1 = Math.min(h, y + RADIUS + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - RADIUS), x1 = Math.min(w, x + RADIUS + 1);
      const n = (y1 - y0) * (x1 - x0);
      const a = s1[y1 * W + x1]! - s1[y0 * W + x1]! - s1[y1 * W + x0]! + s1[y0 * W + x0]!;
      const b = s2[y1 * W + x1]! - s2[y0 * W + x1]! - s2[y1 * W + x0]! + s2[y0 * W + x0]!;
      out[y * w + x] = Math.sqrt(Math.max(0, b / n - (a / n) ** 2));
    }
  }
  return out;
}

// a query inside its candidates is the same picture for every candidate: its texture is measured once
const FLATNESS = new WeakMap<Float32Array, { w: number; qs: Float32Array; flat: number }>();

/** The query's local std and how many of its pixels are flat. */
function flatness(query: Float32Array, w: number, h: number): { qs: Float32Array; flat: number } {
  const seen = FLATNESS.get(query);
  if (seen && seen.w === w) return seen;
  const qs = localStd(query, w, h);
  let flat = 0;
  for (let i = 0; i < w * h; i++) if (qs[i]! < FLAT_STD) flat++;
  FLATNESS.set(query, { w, qs, flat });
  return { qs, flat };
}

/**
 * Pixels (w × h, one frame) under a flat cover: seeds where `query` is flat and `original` detailed,
 * spread over the query's flat pixels of the seed's grey where the original differs (the part of a
 * sticker over the original's plain background), only regions that reach the border, grown by GROW;
 * null when they make less than MIN_SHARE of the picture.
 */
export function flatCover(query: Float32Array, original: Float32Array, w: number, h: number): Uint8Array | null {
  const n = w * h;
  const { qs, flat } = flatness(query, w, h);
  if (flat < MIN_SHARE * n) return null;
  grown(n, (w + 1) * (h + 1));
  const os = localStd(original, w, h, scratch.os);
  const seed = scratch.seed.fill(0, 0, n);
  let seeds = 0;
  for (let i = 0; i < n; i++) if (qs[i]! < FLAT_STD && os[i]! >= DETAIL_STD) (seed[i] = 1), seeds++;
  if (seeds < MIN_SHARE * n) return null;
  // the query's background (median grey of its outermost pixels): a flat region of that grey is the
  // picture's own plain surround seen against a slightly misaligned outline, not something pasted on
  const rim: number[] = [];
  for (let x = 0; x < w; x++) rim.push(query[x]!, query[n - w + x]!);
  for (let y = 1; y < h - 1; y++) rim.push(query[y * w]!, query[y * w + w - 1]!);
  const background = rim.sort((a, b) => a - b)[rim.length >> 1]!;
  // each flat region from its seeds; kept only when it reaches the picture's border (a sticker, a UI
  // patch pasted at a corner or edge): a flat region further in that disagrees is another character's
  // plainer face as much as a cover (a face swap's donor fur over the original's eyes read covered 0.2)
  const cover = scratch.cover.fill(0, 0, n);
  const { stack, region } = scratch;
  let covered = 0;
  for (let s0 = 0; s0 < n; s0++) {
    if (!seed[s0] || cover[s0]) continue;
    let top = 0, size = 0, border = false, sum = 0;
    cover[s0] = 1;
    stack[top++] = s0;
    const visit = (i: number, j: number) => {
      if (cover[j] || qs[j]! >= FLAT_STD || Math.abs(query[j]! - query[i]!) > SAME_GREY) return;
      if (!seed[j] && os[j]! < DETAIL_STD && Math.abs(original[j]! - query[j]!) <= SAME_GREY) return;
      cover[j] = 1;
      stack[top++] = j;
    };
    while (top > 0) {
      const i = stack[--top]!;
      region[size++] = i;
      sum += query[i]!;
      const x = i % w;
      if (x === 0 || x === w - 1 || i < w || i >= n - w) border = true;
      if (x > 0) visit(i, i - 1);
      if (x < w - 1) visit(i, i + 1);
      if (i >= w) visit(i, i - w);
      if (i < n - w) visit(i, i + w);
    }
    // (a dropped region stays marked visited through `seed`, cleared here, and `cover`, reset below)
    if (border && Math.abs(sum / size - background) > SAME_GREY) covered += size;
    else for (let k = 0; k < size; k++) (cover[region[k]!] = 2), (seed[region[k]!] = 0);
  }
  if (covered < MIN_SHARE * n) return null;
  for (let i = 0; i < n; i++) if (cover[i] === 2) cover[i] = 0;
  // grown by GROW: a separable max filter (rows, then columns)
  const rows = scratch.rows.fill(0, 0, n);
  for (let y = 0; y < h; y++)
    for (let x = 0, last = -Infinity; x < w + GROW; x++) {
      if (x < w && cover[y * w + x]) last = x;
      const at = x - GROW;
      if (at >= 0 && last >= at - GROW) rows[y * w + at] = 1;
    }
  const out = new Uint8Array(n);
  for (let x = 0; x < w; x++)
    for (let y = 0, last = -Infinity; y < h + GROW; y++) {
      if (y < h && rows[y * w + x]) last = y;
      const at = y - GROW;
      if (at >= 0 && last >= at - GROW) out[at * w + x] = 1;
    }
  return out;
}
