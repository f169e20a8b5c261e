/** Computes the stored per-artwork signatures (hashes, crop hashes, Haar, verification data). */
import { FEATURES_VERSION, type Code64, type ImageFeatures, type Plane, type Rgb } from './feature-types.js';
import { haarSignature } from './haar-signature.js';
import { dhashPlane, phashPlane, phashRegion } from './perceptual-hash.js';
import { greyOf } from './pixels.js';
import { trimRgb } from './trim.js';
import { verifyData } from './verify-data.js';

export const CROP_FRACTIONS = [0.05, 0.1, 0.15] as const;
/** Corner crops keep this fraction of each side (a band cut from two adjacent sides). */
export const CORNER_KEEP = 0.82;
const CORNERS: [number, number][] = [
  [0, 0],
  [1, 0],
  [0, 1],
  [1, 1],
];
/** How many crop hashes each artwork stores: the centre crops, then the corner crops. */
export const CROP_HASH_COUNT = CROP_FRACTIONS.length + CORNERS.length;

/** The window of a corner crop: `keep` of each side, anchored at corner (ax, ay). */
function cornerCropHash(p: Plane, keep: number, ax: number, ay: number): Code64 {
  const w = Math.max(1, Math.round(p.width * keep));
  const h = Math.max(1, Math.round(p.height * keep));
  return phashRegion(p, ax ? p.width - w : 0, ay ? p.height - h : 0, w, h);
}

/** The window of a centre crop cutting fraction f from each side. */
function centreCropHash(p: Plane, f: number): Code64 {
  const x = Math.round(p.width * f);
  const y = Math.round(p.height * f);
  return phashRegion(p, x, y, Math.max(1, p.width - 2 * x), Math.max(1, p.height - 2 * y));
}

/** Signatures of an already normalised (trimmed) image. */
export function featuresOfNormalised(img: Rgb): ImageFeatures {
  const grey = greyOf(img);
  const haar = haarSignature(img);
  return {
    version: FEATURES_VERSION,
    phash: phashPlane(grey),
    dhash: dhashPlane(grey),
    cropHashes: [
      ...CROP_FRACTIONS.map((f) => centreCropHash(grey, f)),
      ...CORNERS.map(([cx, cy]) => cornerCropHash(grey, CORNER_KEEP, cx, cy)),
    ],
    haarDc: haar.dc,
    haarCoefs: haar.coefs,
    verify: verifyData(img, grey),
  };
}

/** Normalises (trim) then computes the stored signatures. */
export function computeFeatures(img: Rgb): ImageFeatures {
  return featuresOfNormalised(trimRgb(img).img);
}
