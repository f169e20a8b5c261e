/**
 * Shapes shared by the image-signature modules: pixel planes, 64-bit codes, the stored per-artwork
 * features and the version that stamps them.
 */

/** Version of every stored signature (see compute-features.ts); bump when any computation changes (see reindex). */
export const FEATURES_VERSION = 3;

/** An RGB image as 3 float planes (0..255). */
export interface Rgb {
  width: number;
  height: number;
  r: Float32Array;
  g: Float32Array;
  b: Float32Array;
}

/** A single-channel float image. */
export interface Plane {
  width: number;
  height: number;
  data: Float32Array;
}

/** A 64-bit code as two unsigned 32-bit halves (hi = first 32 bits of the bit string). */
export interface Code64 {
  hi: number;
  lo: number;
}

export const HAAR_SIZE = 128;
export const HAAR_COEFS = 40;
export const VERIFY_SIDE = 64;

/**
 * Verification data: grey image (long side VERIFY_SIDE) plus YIQ chroma at half that resolution
 * (I plane then Q plane, int8, value/1.25), for hue-tolerant colour checks.
 */
export interface VerifyData {
  width: number;
  height: number;
  data: Uint8Array;
  chroma: { width: number; height: number; data: Int8Array };
}

/** Signatures stored per artwork (opaque to the ingest pipeline). */
export interface ImageFeatures {
  version: number;
  /** pHash of the normalised (trimmed) image. */
  phash: Code64;
  dhash: Code64;
  /** pHashes of the 5/10/15 % centre crops, then of the 4 corner crops (82 %) of the normalised image. */
  cropHashes: Code64[];
  /** iqdb signature: DC averages of Y, I, Q. */
  haarDc: [number, number, number];
  /** iqdb signature: per channel (Y, I, Q) HAAR_COEFS signed positions (+/-(index+1)). */
  haarCoefs: Int16Array;
  /** Grey verification image of the normalised image, long side VERIFY_SIDE, bytes 0..255. */
  verify: VerifyData;
}

/** What the in-memory search index keeps of an artwork: everything but the verification images. */
export type IndexSignature = Omit<ImageFeatures, 'verify'>;
