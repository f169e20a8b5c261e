/**
 * Query preparation: the trimmed image, its mirror, and (when the trim cut a lot or the image looks
 * like a screenshot) the untrimmed image and a looser picture region, each as signatures + verify data.
 */
import type { Code64, Plane, Rgb, VerifyData } from './feature-types.js';
import { haarSignature, haarSignaturePair } from './haar-signature.js';
import { dhashPlane, hashesWithMirror, phashPlane } from './perceptual-hash.js';
import { cropRgb, greyOf } from './pixels.js';
import { looseRegionBox, trimBox, trimRgb, type Box } from './trim.js';
import { mirrorVerifyData, verifyData } from './verify-data.js';
import { captionBands, paintOutBands, textLike, withMargins, type CaptionBand } from './caption-lines.js';
import { toV, type Chroma, type VImg } from './verify-images.js';

export interface QueryVariant {
  name: 'trim' | 'trim-mirror' | 'raw' | 'raw-mirror' | 'region' | 'region-mirror' | 'uncaptioned';
  phash: Code64;
  dhash: Code64;
  haar: { dc: readonly number[]; coefs: Int16Array };
  verify: VImg;
  chroma: Chroma;
  /** Pixels of `verify` painted out (caption lines): no evidence there. */
  hidden?: Uint8Array;
  /** Share of the query picture painted out (also where the trim then cut the painted rows away). */
  captionShare?: number;
  /** Source pixels per pixel of `verify` (< 1 when a small query was enlarged to the verification size). */
  density: number;
}

export interface PreparedQuery {
  variants: QueryVariant[];
}

function variantOf(name: QueryVariant['name'], img: Rgb, haar: QueryVariant['haar'], grey: Plane = greyOf(img)): QueryVariant {
  return variantFrom(name, img, haar, verifyData(img, grey), { phash: phashPlane(grey), dhash: dhashPlane(grey) });
}

function variantFrom(name: QueryVariant['name'], img: Rgb, haar: QueryVariant['haar'], vd: VerifyData, hashes: { phash: Code64; dhash: Code64 }): QueryVariant {
  const density = Math.min(1, Math.max(img.width, img.height) / Math.max(vd.width, vd.height));
  return { name, ...hashes, haar, verify: toV(vd), chroma: vd.chroma, density };
}

/**
 * An image and its mirror image as query variants. Every signature of the mirror comes from the image's
 * own work: one Haar transform for both, and the small resized grids (hashes, verification data)
 * reversed row by row, which is what resizing the mirror image gives.
 */
function withMirror(name: 'trim' | 'raw' | 'region', img: Rgb, grey: Plane = greyOf(img)): QueryVariant[] {
  const haar = haarSignaturePair(img);
  const hashes = hashesWithMirror(grey);
  const vd = verifyData(img, grey);
  return [variantFrom(name, img, haar.plain, vd, hashes.plain), variantFrom(`${name}-mirror`, img, haar.mirror, mirrorVerifyData(vd), hashes.mirror)];
}

/** A band this close to the top or bottom edge is also cut off with the rows beyond it. */
const EDGE_BAND = 0.04;

/** The caption bands painted out (2 rows of margin), then trimmed; the painted pixels marked in the verification frame. */
function painted(rgb: Rgb, dense: CaptionBand[]): QueryVariant {
  const bands = dense.map((b) => withMargins(b, rgb.width, rgb.height, 2));
  const { img: clean, box: cb } = trimRgb(paintOutBands(rgb, bands));
  const v = variantOf('uncaptioned', clean, haarSignature(clean));
  // each source pixel marks the verification pixel it falls in
  const { width: vw, height: vh } = v.verify;
  const hidden = new Uint8Array(vw * vh);
  for (const b of bands)
    for (let y = Math.max(b.y0, cb.y); y <= Math.min(b.y1, cb.y + cb.h - 1); y++)
      for (let x = Math.max(b.x0, cb.x); x <= Math.min(b.x1, cb.x + cb.w - 1); x++)
        hidden[Math.min(vh - 1, Math.floor(((y - cb.y) * vh) / cb.h)) * vw + Math.min(vw - 1, Math.floor(((x - cb.x) * vw) / cb.w))] = 1;
  return { ...v, hidden, captionShare: shareOf(rgb, bands) };
}

/** b reads as the caption line next to `line`: about as tall (the same font) and within 1½ of its height. */
function nextLine(line: CaptionBand, b: CaptionBand): boolean {
  const h = line.y1 - line.y0 + 1;
  const gap = b.y0 > line.y1 ? b.y0 - line.y1 : line.y0 - b.y1;
  return gap <= 1.5 * h && b.y1 - b.y0 + 1 >= h / 2 && b.y1 - b.y0 + 1 <= 2 * h;
}

/**
 * The caption bands at the top or bottom edge: the band at an edge (with the band's height as margin:
 * ascenders and descenders), then the next caption lines inwards, and the rows they leave between them.
 */
function edgeBands(rgb: Rgb, dense: CaptionBand[]): { bands: CaptionBand[]; top: number; bottom: number } {
  const { width: w, height: h } = rgb;
  const near = Math.max(2, Math.round(EDGE_BAND * h));
  let top = 0;
  let bottom = h;
  const bands: CaptionBand[] = [];
  const sorted = [...dense].sort((a, b) => a.y0 - b.y0);
  for (let i = 0, last: CaptionBand | null = null; i < sorted.length; i++) {
    const b = sorted[i]!;
    const m = withMargins(b, w, h, b.y1 - b.y0 + 1);
    if (last ? !nextLine(last, b) : m.y0 > near) break;
    top = m.y1 + 1;
    bands.push((last = b));
  }
  for (let i = sorted.length - 1, last: CaptionBand | null = null; i >= 0 && !bands.includes(sorted[i]!); i--) {
    const b = sorted[i]!;
    const m = withMargins(b, w, h, b.y1 - b.y0 + 1);
    if (last ? !nextLine(last, b) : m.y1 < h - 1 - near) break;
    bottom = m.y0;
    bands.push((last = b));
  }
  return { bands, top, bottom };
}

/**
 * The edge bands cut off with the rows beyond them: the rest is a crop of the picture (ascenders left
 * in a painted band's rows kept the trim from cutting a bottom caption on a white background). Bands
 * further in are left as they are (the painted variants cover them). Null when no band is at an edge.
 */
function cutOff(rgb: Rgb, edge: ReturnType<typeof edgeBands>): QueryVariant | null {
  const { width: w, height: h } = rgb;
  const { bands, top, bottom } = edge;
  if (!bands.length || bottom - top < 0.5 * h) return null;
  const { img } = trimRgb(cropRgb(rgb, 0, top, w, bottom - top));
  // the occluded share as the painted variant reports it for the bands cut (the larger margin is a safety margin)
  return { ...variantOf('uncaptioned', img, haarSignature(img)), captionShare: shareOf(rgb, bands.map((b) => withMargins(b, w, h, 2))) };
}

function shareOf(rgb: Rgb, bands: CaptionBand[]): number {
  const taken = new Uint8Array(rgb.width * rgb.height);
  for (const b of bands) for (let y = b.y0; y <= b.y1; y++) taken.fill(1, y * rgb.width + b.x0, y * rgb.width + b.x1 + 1);
  return taken.reduce((a, x) => a + x, 0) / taken.length;
}

/**
 * One piece of a query's preparation: the variants it adds, a pure function of the picture and the
 * job, so that either of two threads can make it (prepare-shared.ts) and the variants come out the same.
 */
export type VariantJob =
  | { kind: 'pair'; name: 'trim' | 'raw' | 'region'; box: Box | null }
  | { kind: 'painted'; bands: CaptionBand[] }
  | { kind: 'cut'; edge: ReturnType<typeof edgeBands> };

/**
 * What the query's variants will be, in their order: trimmed (and mirrored), the caption-free ones, the
 * untrimmed image when the trim cut a lot, the looser picture region of a screenshot. The grey plane of
 * the whole picture comes along for the jobs that need it.
 */
export function planQuery(rgb: Rgb): { jobs: VariantJob[]; grey: Plane } {
  const box = trimBox(rgb);
  const whole = box.w === rgb.width && box.h === rgb.height;
  const grey = greyOf(rgb);
  const jobs: VariantJob[] = [{ kind: 'pair', name: 'trim', box: whole ? null : box }];
  // caption lines over the picture: also the picture with them painted out, then trimmed (a caption
  // running past the drawing on a plain background would otherwise widen the trimmed box). Not
  // mirrored: a caption stamped on a mirrored re-post reads normally, so it was added after the flip.
  const found = captionBands(grey);
  if (found) {
    const edge = edgeBands(rgb, found);
    // a band further in is painted out only when drawn in text colours: dense drawing (eyes, a detailed
    // face) read as a band would otherwise be left out of every check, and a face swapped under it with it
    const bands = found.filter((b) => edge.bands.includes(b) || textLike(rgb, grey, b));
    if (bands.length) jobs.push({ kind: 'painted', bands });
    // a dense drawing (a small icon's eyes) can read as a band too: painting it hides the face and
    // inflates the occluded share, so with bands further in, the edge captions alone are painted as
    // well (the frame kept whole: a cut picture whose trim left margins on the other sides would fit
    // neither inside nor around its original)
    if (edge.bands.length && edge.bands.length < bands.length) jobs.push({ kind: 'painted', bands: edge.bands });
    if (edge.bands.length && edge.bottom - edge.top >= 0.5 * rgb.height) jobs.push({ kind: 'cut', edge });
  }
  const cut = 1 - (box.w * box.h) / (rgb.width * rgb.height);
  // the trim may have cut into the picture: also try the untrimmed image (edges flattened only)
  if (cut > 0.1) jobs.push({ kind: 'pair', name: 'raw', box: null });
  // a looser picture-region guess for screenshots (screen-shaped images, long side ≥ 1.5 × short side)
  // whose picture partly blends into the chat background; not for ordinary pictures, where a sub-region
  // search would only add chances for look-alikes
  const screenLike = Math.max(rgb.width, rgb.height) >= 1.5 * Math.min(rgb.width, rgb.height);
  const region = screenLike ? looseRegionBox(rgb, box) : null;
  if (region) jobs.push({ kind: 'pair', name: 'region', box: region });
  return { jobs, grey };
}

/** The variants of one job (`grey`: the whole picture's grey plane, made here when not given). */
export function jobVariants(rgb: Rgb, job: VariantJob, grey?: Plane): QueryVariant[] {
  switch (job.kind) {
    case 'pair': {
      if (!job.box) return withMirror(job.name, rgb, grey ?? greyOf(rgb));
      const img = cropRgb(rgb, job.box.x, job.box.y, job.box.w, job.box.h);
      return withMirror(job.name, img, greyOf(img));
    }
    case 'painted':
      return [painted(rgb, job.bands)];
    case 'cut': {
      const v = cutOff(rgb, job.edge);
      return v ? [v] : [];
    }
  }
}

/** Builds the query variants: trimmed, mirrored, and the untrimmed image when the trim cut a lot. */
export function prepareQuery(rgb: Rgb): PreparedQuery {
  const { jobs, grey } = planQuery(rgb);
  return { variants: jobs.flatMap((j) => jobVariants(rgb, j, grey)) };
}
