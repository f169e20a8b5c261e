/**
 * Flat covers: stickers, emoji blocks, UI patches pasted over a re-post. Where the query is flat (no
 * texture at all) while the aligned original has detail, something opaque sits on the picture. Decided
 * per pixel from both sides' local texture, never from their difference: another character's region
 * differs but has texture of its own (a swapped face, a recoloured body), so it is not excused.
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

function localStd(d: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0, ss = 0, n = 0;
      for (let v = Math.max(0, y - RADIUS); v <= Math.min(h - 1, y + RADIUS); v++)
        for (let u = Math.max(0, x - RADIUS); u <= Math.min(w - 1, x + RADIUS); u++) {
          const p = d[v * w + u]!;
          s += p; ss += p * p; n++;
        }
      out[y * w + x] = Math.sqrt(Math.max(0, ss / n - (s / n) ** 2));
    }
  return out;
}

/**
 * Pixels (w × h, one frame) under a flat cover: seeds where `query` is flat and `original` detailed,
 * spread over the query's flat pixels of the seed's grey where the original differs (the part of a
 * sticker over the original's plain background), grown by GROW; null when the seeds make less than
 * MIN_SHARE of the picture.
 */
export function flatCover(query: Float32Array, original: Float32Array, w: number, h: number): Uint8Array | null {
  const qs = localStd(query, w, h);
  const os = localStd(original, w, h);
  const cover = new Uint8Array(w * h);
  const stack: number[] = [];
  for (let i = 0; i < w * h; i++) if (qs[i]! < FLAT_STD && os[i]! >= DETAIL_STD) (cover[i] = 1), stack.push(i);
  if (stack.length < MIN_SHARE * w * h) return null;
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % w, y = (i - x) / w;
    for (const j of [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1, y < h - 1 ? i + w : -1]) {
      if (j < 0 || cover[j] || qs[j]! >= FLAT_STD || Math.abs(query[j]! - query[i]!) > SAME_GREY) continue;
      if (os[j]! < DETAIL_STD && Math.abs(original[j]! - query[j]!) <= SAME_GREY) continue;
      cover[j] = 1;
      stack.push(j);
    }
  }
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (!cover[y * w + x]) continue;
      for (let v = Math.max(0, y - GROW); v <= Math.min(h - 1, y + GROW); v++) out.fill(1, v * w + Math.max(0, x - GROW), v * w + Math.min(w, x + GROW + 1));
    }
  return out;
}
