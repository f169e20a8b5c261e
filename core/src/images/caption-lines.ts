/**
 * Caption lines stamped over a picture (channel tags, "who is this?"), found in the query alone and
 * painted out, so that the alignment search is not pulled off by them. Outlined or plain text packs
 * far more sharp light/dark transitions along a row than drawn line art does.
 */
import type { Plane, Rgb } from './feature-types.js';

/** A transition: neighbouring pixels this far apart in grey (text on art, outline on fill). */
const EDGE = 70;
/** A text row: at least this many transitions per pixel of the row … */
const ROW_EDGES = 0.12;
/** … and its band at least this tall (px) and, in all, at most this share of the picture. */
const MIN_BAND = 3;
/** One or two text lines: a taller band of dense edges is drawing (hair, patterns), not a caption. */
const MAX_BAND = 0.25;
const MAX_SHARE = 0.35;

/** The rows covered by caption lines (dilated by 2 px), or null when there are none. */
export function captionRows(grey: Plane): Uint8Array | null {
  const { width: w, height: h, data } = grey;
  if (w < 24 || h < 24) return null;
  const texty = new Uint8Array(h);
  for (let y = 0; y < h; y++) {
    let edges = 0;
    const perQuarter = [0, 0, 0, 0];
    for (let x = 0, o = y * w; x < w - 1; x++)
      if (Math.abs(data[o + x + 1]! - data[o + x]!) >= EDGE) edges++, perQuarter[Math.min(3, Math.floor((4 * x) / w))]!++;
    // spread across the row like a text line, not bunched like a drawn face
    const quarters = perQuarter.filter((c) => c >= ROW_EDGES * (w / 4)).length;
    texty[y] = edges >= ROW_EDGES * w && quarters >= 3 ? 1 : 0;
  }
  const rows = new Uint8Array(h);
  let covered = 0;
  for (let y = 0; y < h; ) {
    if (!texty[y]) {
      y++;
      continue;
    }
    let end = y;
    // a text line: texty rows with gaps of at most 1 row (between the glyphs' parts)
    while (end + 1 < h && (texty[end + 1] || (end + 2 < h && texty[end + 2]))) end++;
    if (end - y + 1 >= MIN_BAND && end - y + 1 <= MAX_BAND * h) for (let v = Math.max(0, y - 2); v <= Math.min(h - 1, end + 2); v++) rows[v] = 1;
    y = end + 1;
  }
  for (let y = 0; y < h; y++) covered += rows[y]!;
  return covered > 0 && covered <= MAX_SHARE * h ? rows : null;
}

/**
 * A copy of img with the given rows filled: between the rows around a band by vertical interpolation,
 * at the picture's top or bottom edge with the colour of the left and right edges (the background a
 * caption runs over there; repeating the last drawn row would extend the drawing).
 */
export function paintOutRows(img: Rgb, rows: Uint8Array): Rgb {
  const { width: w, height: h } = img;
  const out: Rgb = { width: w, height: h, r: Float32Array.from(img.r), g: Float32Array.from(img.g), b: Float32Array.from(img.b) };
  const planes = [out.r, out.g, out.b];
  const edge = planes.map((p) => {
    const vals: number[] = [];
    for (let y = 0; y < h; y++) if (!rows[y]) vals.push(p[y * w]!, p[y * w + w - 1]!);
    vals.sort((a, b) => a - b);
    return vals[vals.length >> 1] ?? 255;
  });
  for (let y = 0; y < h; ) {
    if (!rows[y]) {
      y++;
      continue;
    }
    let end = y;
    while (end + 1 < h && rows[end + 1]) end++;
    const above = y - 1;
    const below = end + 1;
    for (let v = y; v <= end; v++) {
      const t = (v - above) / (below - above);
      planes.forEach((p, c) => {
        for (let x = 0; x < w; x++) {
          const a = above < 0 ? edge[c]! : p[above * w + x]!;
          const b = below >= h ? edge[c]! : p[below * w + x]!;
          p[v * w + x] = a + (b - a) * t;
        }
      });
    }
    y = end + 1;
  }
  return out;
}
