/**
 * Query preparation: the trimmed image, its mirror, and (when the trim cut a lot or the image looks
 * like a screenshot) the untrimmed image and a looser picture region, each as signatures + verify data.
 */
import type { Code64, Plane, Rgb } from './feature-types.js';
import { haarSignature, haarSignaturePair } from './haar-signature.js';
import { dhashPlane, phashPlane } from './perceptual-hash.js';
import { cropRgb, greyOf, mirrorPlane, mirrorRgb } from './pixels.js';
import { looseRegionBox, trimRgb } from './trim.js';
import { verifyData } from './verify-data.js';
import { captionRows, paintOutRows } from './caption-lines.js';
import { toV, type Chroma, type VImg } from './verify-images.js';

export interface QueryVariant {
  name: 'trim' | 'trim-mirror' | 'raw' | 'raw-mirror' | 'region' | 'region-mirror' | 'uncaptioned';
  phash: Code64;
  dhash: Code64;
  haar: { dc: readonly number[]; coefs: Int16Array };
  verify: VImg;
  chroma: Chroma;
  /** Rows of `verify` painted out (caption lines): no evidence there. */
  hiddenRows?: Uint8Array;
  /** Source pixels per pixel of `verify` (< 1 when a small query was enlarged to the verification size). */
  density: number;
}

export interface PreparedQuery {
  variants: QueryVariant[];
}

function variantOf(name: QueryVariant['name'], img: Rgb, haar: QueryVariant['haar'], grey: Plane = greyOf(img)): QueryVariant {
  const vd = verifyData(img, grey);
  const density = Math.min(1, Math.max(img.width, img.height) / Math.max(vd.width, vd.height));
  return { name, phash: phashPlane(grey), dhash: dhashPlane(grey), haar, verify: toV(vd), chroma: vd.chroma, density };
}

/** An image and its mirror image as query variants (one Haar transform for both). */
function withMirror(name: 'trim' | 'raw' | 'region', img: Rgb): QueryVariant[] {
  const haar = haarSignaturePair(img);
  const grey = greyOf(img);
  // grey is per pixel: the mirror's grey is the grey mirrored
  return [variantOf(name, img, haar.plain, grey), variantOf(`${name}-mirror`, mirrorRgb(img), haar.mirror, mirrorPlane(grey))];
}

/** Builds the query variants: trimmed, mirrored, and the untrimmed image when the trim cut a lot. */
export function prepareQuery(rgb: Rgb): PreparedQuery {
  const { img: trimmed, box } = trimRgb(rgb);
  const variants: QueryVariant[] = withMirror('trim', trimmed);
  // caption lines over the picture: also the picture with them painted out, then trimmed (a caption
  // running past the drawing on a plain background would otherwise widen the trimmed box). Not
  // mirrored: a caption stamped on a mirrored re-post reads normally, so it was added after the flip.
  const rows = captionRows(greyOf(rgb));
  if (rows) {
    const { img: clean, box: cleanBox } = trimRgb(paintOutRows(rgb, rows));
    const v = variantOf('uncaptioned', clean, haarSignature(clean));
    const hidden = new Uint8Array(v.verify.height);
    for (let y = 0; y < cleanBox.h; y++) if (rows[cleanBox.y + y]) hidden[Math.min(hidden.length - 1, Math.floor((y * hidden.length) / cleanBox.h))] = 1;
    variants.push({ ...v, hiddenRows: hidden });
  }
  const cut = 1 - (box.w * box.h) / (rgb.width * rgb.height);
  if (cut > 0.1) {
    // the trim may have cut into the picture: also try the untrimmed image (edges flattened only)
    variants.push(...withMirror('raw', rgb));
  }
  // a looser picture-region guess for screenshots (screen-shaped images, long side ≥ 1.5 × short side)
  // whose picture partly blends into the chat background; not for ordinary pictures, where a sub-region
  // search would only add chances for look-alikes
  const screenLike = Math.max(rgb.width, rgb.height) >= 1.5 * Math.min(rgb.width, rgb.height);
  const region = screenLike ? looseRegionBox(rgb, box) : null;
  if (region) variants.push(...withMirror('region', cropRgb(rgb, region.x, region.y, region.w, region.h)));
  return { variants };
}
