/**
 * Pure-JS image signatures computed from decoded RGB pixels (no sharp here, so the same code runs for
 * gallery images at ingest and for query variants at search time).
 *
 * - 64-bit DCT pHash (32×32 grey, 8×8 low frequencies, median) and 64-bit dHash;
 * - pHashes of 5/10/15 % centre crops (stored per artwork, so crops of the artwork land close);
 * - an iqdb-style multiresolution Haar signature (Jacobs, Finkelstein & Salesin 1995): 128×128 YIQ,
 *   the 40 largest coefficients per channel as signed positions, plus the three DC averages;
 * - a small grey "verification" image (long side 64) for alignment/NCC re-ranking of candidates.
 */
// The implementation lives in the modules below; this module keeps the public import path.

export {
  FEATURES_VERSION,
  HAAR_COEFS,
  HAAR_SIZE,
  VERIFY_SIDE,
  type Code64,
  type ImageFeatures,
  type Plane,
  type Rgb,
  type VerifyData,
} from './feature-types.js';
export { cropRgb, greyOf, mirrorPlane, mirrorRgb, rgbFromInterleaved } from './pixels.js';
export { resizePlane, resizeRgb } from './resize.js';
export { looseRegionBox, trimBox, trimRgb, type Box } from './trim.js';
export { bitStringToCode, codeToBitString, dhashPlane, hamming, phashPlane, popcount32 } from './perceptual-hash.js';
export {
  HAAR_BIN,
  HAAR_WEIGHTS,
  haarDistance,
  haarKey,
  haarKeySet,
  haarMaxWeight,
  haarSignature,
  haarSignaturePair,
} from './haar-signature.js';
export { chromaImage, verifyData, verifyImage } from './verify-data.js';
export { CORNER_KEEP, CROP_FRACTIONS, CROP_HASH_COUNT, computeFeatures, featuresOfNormalised } from './compute-features.js';
export { deserializeFeatures, serializeFeatures } from './feature-blob.js';
