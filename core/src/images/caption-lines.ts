/**
 * Caption lines stamped over a picture (channel tags, "who is this?"), found in the query alone and
 * painted out, so that the alignment search is not pulled off by them and the verifier leaves them out.
 * Outlined or plain text packs far more sharp light/dark transitions along a row than drawn line art
 * does. A caption need not run across the whole picture (a short tag in a corner): each band is kept
 * with the columns its text spans.
 */
import type { Plane, Rgb } from './feature-types.js';

/** A transition: neighbouring pixels this far apart in grey (text on art, outline on fill). */
const EDGE = 70;
/** Text along a row: at least this many transitions per pixel over some window (glyph strokes: line
 * art stays ≤ 0.42 even in hair and patterns) … */
const CORE_EDGES = 0.45;
/** … and the row's span: the windows with at least this many. */
const WINDOW_EDGES = 0.2;
/** … of this share of the picture's width (at least MIN_WINDOW px): about three glyphs of a caption. */
const WINDOW = 0.12;
const MIN_WINDOW = 12;
/** A text row's dense windows span at least this share of the width (a tag of a few words). */
const MIN_SPAN = 0.25;
/** A band of text rows at least this tall (px) and at most this share of the picture (one or two
 * lines: a taller band of dense edges is drawing, hair or patterns, not a caption); in all at most
 * MAX_SHARE of the rows (margins not counted). */
const MIN_BAND = 3;
const MAX_BAND = 0.25;
const MAX_SHARE = 0.35;

/** A caption band: its dense rows y0..y1 (about the x-height) and columns x0..x1, inclusive, without margins. */
export interface CaptionBand {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** The caption bands over the picture, or null when there are none. */
export function captionBands(grey: Plane): CaptionBand[] | null {
  const { width: w, height: h, data } = grey;
  if (w < 24 || h < 24) return null;
  const win = Math.max(MIN_WINDOW, Math.round(WINDOW * w));
  const need = WINDOW_EDGES * win;
  const spans: ([number, number] | null)[] = new Array(h).fill(null);
  const edge = new Uint8Array(w);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w - 1; x++) edge[x] = Math.abs(data[o + x + 1]! - data[o + x]!) >= EDGE ? 1 : 0;
    // sliding window count; the row's text span is the union of the dense windows
    let count = 0;
    let x0 = -1;
    let x1 = -1;
    let core = 0;
    for (let x = 0; x < w - 1; x++) {
      count += edge[x]!;
      if (x >= win) count -= edge[x - win]!;
      if (x >= win - 1 && count >= need) {
        if (x0 < 0) x0 = x - win + 1;
        x1 = x;
        core = Math.max(core, count);
      }
    }
    if (x0 >= 0 && core >= CORE_EDGES * win && x1 - x0 + 1 >= MIN_SPAN * w) spans[y] = [x0, x1];
  }
  const bands: CaptionBand[] = [];
  let covered = 0;
  for (let y = 0; y < h; ) {
    if (!spans[y]) {
      y++;
      continue;
    }
    let end = y;
    // a text line: text rows with gaps of at most 1 row (between the glyphs' parts)
    while (end + 1 < h && (spans[end + 1] || (end + 2 < h && spans[end + 2]))) end++;
    const tall = end - y + 1;
    if (tall >= MIN_BAND && tall <= MAX_BAND * h) {
      covered += tall;
      let x0 = w;
      let x1 = 0;
      for (let v = y; v <= end; v++) if (spans[v]) (x0 = Math.min(x0, spans[v]![0])), (x1 = Math.max(x1, spans[v]![1]));
      bands.push({ x0, x1, y0: y, y1: end });
    }
    y = end + 1;
  }
  return bands.length > 0 && covered <= MAX_SHARE * h ? bands : null;
}

/** Text strokes reach near-black (an outline, black letters) at this grey level on their dark side … */
const TEXT_DARK = 55;
/** … or a near-white, colourless fill on their light side (grey level, and max − min of R, G, B). */
const TEXT_LIGHT = 225;
const TEXT_LIGHT_CHROMA = 6;

/**
 * Whether a band's sharp transitions are drawn in text colours: a caption is set in one ink, near-black
 * or a colourless near-white, along the whole line (median over its transitions). Dense drawing that
 * reads as a band (eyes, hair, a patterned card) has line art of the drawing's own, softer colours on
 * one side and the picture's colours on the other: on the gallery originals such bands' dark sides sit
 * at grey 63–87 and their light sides are coloured; captions of the text variant read ≤ 46 (p95).
 */
export function textLike(img: Rgb, grey: Plane, b: CaptionBand): boolean {
  const { width: w, data } = grey;
  const dark: number[] = [];
  const light: number[] = [];
  const chroma: number[] = [];
  for (let y = b.y0; y <= b.y1; y++)
    for (let x = b.x0; x < b.x1; x++) {
      const o = y * w + x;
      const p = data[o]!, q = data[o + 1]!;
      if (Math.abs(p - q) < EDGE) continue;
      const li = p > q ? o : o + 1;
      dark.push(Math.min(p, q));
      light.push(Math.max(p, q));
      chroma.push(Math.max(img.r[li]!, img.g[li]!, img.b[li]!) - Math.min(img.r[li]!, img.g[li]!, img.b[li]!));
    }
  const median = (xs: number[]) => xs.sort((u, v) => u - v)[xs.length >> 1] ?? NaN;
  return median(dark) <= TEXT_DARK || (median(light) >= TEXT_LIGHT && median(chroma) <= TEXT_LIGHT_CHROMA);
}

/**
 * A band with margins: `rows` more rows on each side (outlines; ascenders and descenders, which reach
 * about the band's height again), and half the band's height of columns (glyph ends a window's border cut).
 */
export function withMargins(b: CaptionBand, w: number, h: number, rows: number): CaptionBand {
  const mx = Math.ceil((b.y1 - b.y0 + 1) / 2);
  return { x0: Math.max(0, b.x0 - mx), x1: Math.min(w - 1, b.x1 + mx), y0: Math.max(0, b.y0 - rows), y1: Math.min(h - 1, b.y1 + rows) };
}

/**
 * A copy of img with the bands filled: between the rows around a band by vertical interpolation, at
 * the picture's top or bottom edge with the colour of the left and right edges (the background a
 * caption runs over there; repeating the last drawn row would extend the drawing).
 */
export function paintOutBands(img: Rgb, bands: CaptionBand[]): Rgb {
  const { width: w, height: h } = img;
  const out: Rgb = { width: w, height: h, r: Float32Array.from(img.r), g: Float32Array.from(img.g), b: Float32Array.from(img.b) };
  const planes = [out.r, out.g, out.b];
  const inBand = new Uint8Array(h);
  for (const b of bands) inBand.fill(1, b.y0, b.y1 + 1);
  const edge = planes.map((p) => {
    const vals: number[] = [];
    for (let y = 0; y < h; y++) if (!inBand[y]) vals.push(p[y * w]!, p[y * w + w - 1]!);
    vals.sort((a, b) => a - b);
    return vals[vals.length >> 1] ?? 255;
  });
  for (const { x0, x1, y0, y1 } of bands) {
    const above = y0 - 1;
    const below = y1 + 1;
    for (let v = y0; v <= y1; v++) {
      const t = (v - above) / (below - above);
      planes.forEach((p, c) => {
        for (let x = x0; x <= x1; x++) {
          const a = above < 0 ? edge[c]! : p[above * w + x]!;
          const b = below >= h ? edge[c]! : p[below * w + x]!;
          p[v * w + x] = a + (b - a) * t;
        }
      });
    }
  }
  return out;
}
