/**
 * Decoding and analysis of untrusted image bytes (the only sharp entry point besides thumbnails.ts).
 * Everything is detected from the content, never from a file name.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { codeToBitString } from './perceptual-hash.js';
import { computeFeatures } from './compute-features.js';
import { rgbFromInterleaved } from './pixels.js';
import type { ImageFeatures, Rgb } from './feature-types.js';
import { decodeFull, decodesOnce, fromPixels, isWorkingCopy, type RawPixels } from './decode-once.js';
import { makeThumbnails, thumbnailsOfPixels, type Thumbnail } from './thumbnails.js';

export type { ImageFeatures } from './feature-types.js';

export type ImageRejectionCode = 'unsupported_type' | 'too_large' | 'too_many_pixels' | 'corrupt' | 'too_small';

/** Raised for input that is not an acceptable image; maps to a 4xx. */
export class ImageRejectedError extends Error {
  override name = 'ImageRejectedError';
  constructor(
    public code: ImageRejectionCode,
    message: string,
  ) {
    super(message);
  }
}

/** The decoded image's identity and size (sha256 of the original bytes, content-detected type, oriented size) plus its signatures. */
export interface AnalyzedImage extends Pick<DecodedImage, 'sha256' | 'mime' | 'ext' | 'width' | 'height' | 'bytes'> {
  /** 64-char '0'/'1' DCT pHash of the normalised image, for a bit(64) column. */
  phash: string;
  features: ImageFeatures;
  /** WebP thumbnails at THUMB_WIDTHS (empty when not asked for). */
  thumbnails: Thumbnail[];
}

export interface DecodeOptions {
  maxBytes?: number;
  maxPixels?: number;
}

export interface AnalyzeOptions extends DecodeOptions {
  /** Also make the thumbnails (default true; a signature-only reindex skips them). */
  thumbnails?: boolean;
}

export const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;
export const DEFAULT_MAX_PIXELS = 50_000_000;
export const MIN_SIDE = 16;
/** Long side of the working copy used for all signatures. */
export const WORK_SIDE = 512;

const FORMATS: Record<string, { mime: string; ext: string }> = {
  jpeg: { mime: 'image/jpeg', ext: 'jpg' },
  png: { mime: 'image/png', ext: 'png' },
  webp: { mime: 'image/webp', ext: 'webp' },
  gif: { mime: 'image/gif', ext: 'gif' },
  avif: { mime: 'image/avif', ext: 'avif' },
  tiff: { mime: 'image/tiff', ext: 'tiff' },
};

export interface DecodedImage {
  sha256: string;
  mime: string;
  ext: string;
  width: number;
  height: number;
  bytes: number;
  /** Working copy: oriented, first frame, alpha flattened on white, sRGB 8-bit, long side ≤ 512. */
  rgb: Rgb;
  /** Interleaved RGB bytes of the working copy. */
  raw: Buffer;
}

sharp.cache(false);

function classifySharpError(err: unknown): ImageRejectedError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit|exceeds pixel/i.test(msg)) return new ImageRejectedError('too_many_pixels', 'The image has too many pixels.');
  if (/unsupported image format|Input buffer contains unsupported/i.test(msg))
    return new ImageRejectedError('unsupported_type', 'The file is not a supported image (JPEG, PNG, WebP, GIF, AVIF or TIFF).');
  return new ImageRejectedError('corrupt', 'The image could not be decoded (corrupt or truncated).');
}

/** What the header says of validated bytes: the content-detected type and the oriented size. */
export interface ImageProbe {
  mime: string;
  ext: string;
  width: number;
  height: number;
  meta: sharp.Metadata;
}

/** Validates untrusted bytes from their header (size, type, pixel count), before anything is decoded. */
export async function probeImage(bytes: Buffer, opts: DecodeOptions = {}): Promise<ImageProbe> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!bytes || bytes.length === 0) throw new ImageRejectedError('corrupt', 'The file is empty.');
  if (bytes.length > maxBytes) throw new ImageRejectedError('too_large', `The file is larger than ${maxBytes} bytes.`);

  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false, pages: 1 }).metadata();
  } catch (err) {
    throw classifySharpError(err);
  }
  let format = meta.format as string | undefined;
  if (format === 'heif') format = meta.compression === 'av1' ? 'avif' : undefined;
  const fmt = format ? FORMATS[format] : undefined;
  if (!fmt) throw new ImageRejectedError('unsupported_type', `Unsupported image type${meta.format ? ` (${meta.format})` : ''}.`);
  let w = meta.width ?? 0;
  let h = (meta.pageHeight && meta.pages && meta.pages > 1 ? meta.pageHeight : meta.height) ?? 0;
  if ((meta.orientation ?? 1) >= 5) [w, h] = [h, w];
  if (w * h > maxPixels) throw new ImageRejectedError('too_many_pixels', `The image has more than ${maxPixels} pixels.`);
  if (w < MIN_SIDE || h < MIN_SIDE) throw new ImageRejectedError('too_small', `The image is smaller than ${MIN_SIDE}×${MIN_SIDE} pixels.`);
  return { mime: fmt.mime, ext: fmt.ext, width: w, height: h, meta };
}

/** The working copy of a decode: oriented, first frame, alpha flattened on white, sRGB 8-bit, long side ≤ WORK_SIDE. */
async function workingCopy(input: sharp.Sharp): Promise<RawPixels> {
  let raw: Buffer;
  let info: sharp.OutputInfo;
  try {
    ({ data: raw, info } = await input
      .rotate()
      .resize(WORK_SIDE, WORK_SIDE, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true }));
  } catch (err) {
    throw classifySharpError(err);
  }
  if (info.channels !== 3 || info.width < 1 || info.height < 1) {
    throw new ImageRejectedError('corrupt', 'The image could not be decoded.');
  }
  return { data: raw, width: info.width, height: info.height, channels: 3 };
}

const straight = (bytes: Buffer, maxPixels: number) => sharp(bytes, { limitInputPixels: maxPixels, pages: 1, page: 0, failOn: 'error' });

/** Validates and decodes untrusted bytes into the working copy used for hashing. */
export async function decodeImage(bytes: Buffer, opts: DecodeOptions = {}): Promise<DecodedImage> {
  const probe = await probeImage(bytes, opts);
  const work = await workingCopy(straight(bytes, opts.maxPixels ?? DEFAULT_MAX_PIXELS));
  return decoded(bytes, probe, work);
}

function decoded(bytes: Buffer, probe: ImageProbe, work: RawPixels): DecodedImage {
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    mime: probe.mime,
    ext: probe.ext,
    width: probe.width,
    height: probe.height,
    bytes: bytes.length,
    rgb: rgbFromInterleaved(work.data, work.width, work.height, 3),
    raw: work.data,
  };
}

/** Validates, decodes, hashes and thumbnails an image. Throws ImageRejectedError for bad input. */
export async function analyzeImage(bytes: Buffer, opts: AnalyzeOptions = {}): Promise<AnalyzedImage> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const probe = await probeImage(bytes, opts);
  const withThumbnails = opts.thumbnails !== false;
  // one decode for the working copy and the thumbnails where it gives their exact pixels (decode-once.ts)
  const full = withThumbnails && decodesOnce(probe) ? await decodeFull(bytes, maxPixels).catch(rethrowClassified) : null;
  const work = !full ? await workingCopy(straight(bytes, maxPixels)) : isWorkingCopy(full, probe) ? full : await workingCopy(fromPixels(full));
  const d = decoded(bytes, probe, work);
  // sharp works on its own threads while the signatures are computed here
  const thumbs = !withThumbnails
    ? Promise.resolve([])
    : full
      ? thumbnailsOfPixels(full)
      : makeThumbnails(bytes, { maxPixels, width: d.width });
  const features = computeFeatures(d.rgb);
  const thumbnails = await thumbs.catch(rethrowClassified);
  return {
    sha256: d.sha256,
    mime: d.mime,
    ext: d.ext,
    width: d.width,
    height: d.height,
    bytes: d.bytes,
    phash: codeToBitString(features.phash),
    features,
    thumbnails,
  };
}

function rethrowClassified(err: unknown): never {
  throw classifySharpError(err);
}
