/**
 * Random image features shaped like real ones, for index tests and benches that need many entries without
 * decoding pictures: Haar coefficients skewed towards low frequencies (most energy sits in the top-left of the
 * Haar plane), so that some buckets are crowded and pruned as with real signatures.
 */
import { CROP_HASH_COUNT } from '../images/compute-features.js';
import { FEATURES_VERSION, HAAR_COEFS, type ImageFeatures } from '../images/feature-types.js';

// Positions taken in the current channel: stamped with a channel counter instead of a fresh Set per channel
// (the index tests draw tens of thousands of signatures).
const usedAt = new Uint32Array(128 * 128);
let channelStamp = 0;

export function syntheticFeatures(r: () => number, version = FEATURES_VERSION): ImageFeatures {
  const code = () => ({ hi: (r() * 2 ** 32) >>> 0, lo: (r() * 2 ** 32) >>> 0 });
  const coefs = new Int16Array(3 * HAAR_COEFS);
  for (let c = 0; c < 3; c++) {
    const stamp = ++channelStamp;
    for (let k = 0; k < HAAR_COEFS; k++) {
      let p: number;
      do p = Math.floor(128 * r() ** 3) * 128 + Math.floor(128 * r() ** 3);
      while (p === 0 || usedAt[p] === stamp);
      usedAt[p] = stamp;
      coefs[c * HAAR_COEFS + k] = r() < 0.5 ? -p : p;
    }
  }
  return {
    version,
    phash: code(),
    dhash: code(),
    cropHashes: Array.from({ length: CROP_HASH_COUNT }, code),
    haarDc: [r(), r() - 0.5, r() - 0.5],
    haarCoefs: coefs,
    verify: { width: 4, height: 4, data: new Uint8Array(16), chroma: { width: 2, height: 2, data: new Int8Array(8) } },
  };
}
