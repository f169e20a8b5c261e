/**
 * One decode of an original for ingest, feeding both the working copy (signatures) and the thumbnails,
 * wherever that gives exactly the pixels of their own decodes: the stored features must stay those of
 * decodeImage, which the query side uses too. Elsewhere each keeps its own decode.
 */
import sharp from 'sharp';
import { WORK_SIDE, type ImageProbe } from './analyze-image.js';

/** Interleaved 8-bit pixels and their layout. */
export interface RawPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

/**
 * Whether resizing a full decode gives the straight decode's pixels, byte for byte (checked by
 * decode-once.test.ts). Up to WORK_SIDE nothing is resized, whatever the type. Larger, two things differ:
 * shrink-on-load (WebP at any scale, JPEG past twice the size asked for) and, with an EXIF orientation,
 * the order of rotation and resize. Past 2 × WORK_SIDE a full decode also costs more than it saves.
 */
export function decodesOnce({ meta, width, height }: ImageProbe): boolean {
  if (meta.depth !== 'uchar' || (meta.pages ?? 1) > 1) return false;
  const long = Math.max(width, height);
  if (long <= WORK_SIDE) return meta.format === 'jpeg' || meta.format === 'png' || meta.format === 'webp';
  return (meta.format === 'jpeg' || meta.format === 'png') && (meta.orientation ?? 1) === 1 && long <= 2 * WORK_SIDE;
}

/** The original at full size: oriented, first frame, alpha kept. */
export async function decodeFull(bytes: Buffer, maxPixels: number): Promise<RawPixels> {
  const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, pages: 1, page: 0, failOn: 'error' })
    .rotate()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/**
 * Whether a full decode already is the working copy: small enough, plain sRGB without alpha or an ICC
 * profile (then the working copy's resize, flatten and colour conversion change nothing).
 */
export function isWorkingCopy(full: RawPixels, { meta }: ImageProbe): boolean {
  return (
    full.channels === 3 &&
    Math.max(full.width, full.height) <= WORK_SIDE &&
    meta.space === 'srgb' &&
    !meta.hasAlpha &&
    !meta.hasProfile
  );
}

/** A sharp pipeline reading decoded pixels. */
export const fromPixels = (p: RawPixels) => sharp(p.data, { raw: { width: p.width, height: p.height, channels: p.channels as 1 | 2 | 3 | 4 } });
