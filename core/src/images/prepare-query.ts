/**
 * Query preparation: the trimmed image, its mirror, and (when the trim cut a lot or the image looks
 * like a screenshot) the untrimmed image and a looser picture region, each as signatures + verify data.
 */
import type { DecodedImage } from './analyze-image.js';
import type { Code64, Plane, Rgb } from './feature-types.js';
import { haarSignature, haarSignaturePair } from './haar-signature.js';
import { dhashPlane, phashPlane } from './perceptual-hash.js';
import { cropRgb, greyOf, mirrorPlane, mirrorRgb } from './pixels.js';
import { looseRegionBox, trimRgb } from './trim.js';
import { verifyData } from './verify-data.js';
import { captionBands, paintOutBands } from './caption-lines.js';
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
  const bands = captionBands(greyOf(rgb));
  if (bands) {
    const { img: clean, box: cb } = trimRgb(paintOutBands(rgb, bands));
    const v = variantOf('uncaptioned', clean, haarSignature(clean));
    // the painted pixels in the verification frame (each source pixel marks the one it falls in)
    const { width: vw, height: vh } = v.verify;
    const hidden = new Uint8Array(vw * vh);
    for (const b of bands)
      for (let y = Math.max(b.y0, cb.y); y <= Math.min(b.y1, cb.y + cb.h - 1); y++)
        for (let x = Math.max(b.x0, cb.x); x <= Math.min(b.x1, cb.x + cb.w - 1); x++)
          hidden[Math.min(vh - 1, Math.floor(((y - cb.y) * vh) / cb.h)) * vw + Math.min(vw - 1, Math.floor(((x - cb.x) * vw) / cb.w))] = 1;
    const painted = new Uint8Array(rgb.width * rgb.height);
    for (const b of bands) for (let y = b.y0; y <= b.y1; y++) painted.fill(1, y * rgb.width + b.x0, y * rgb.width + b.x1 + 1);
    variants.push({ ...v, hidden, captionShare: painted.reduce((a, x) => a + x, 0) / painted.length });
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

export function prepareDecoded(d: DecodedImage): PreparedQuery {
  return prepareQuery(d.rgb);
}
