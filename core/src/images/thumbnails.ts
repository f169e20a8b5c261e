/**
 * WebP thumbnails at a few widths for `srcset`: a phone card (~180 CSS px) picks 240 on 1× and 480 on 2×
 * screens, a character page 720. Made from the original bytes (not the 512 px working copy), so the large
 * ones stay sharp; never wider than the original, and the aspect ratio is kept (square art stays square).
 */
import sharp from 'sharp';
import { DEFAULT_MAX_PIXELS } from './analyze-image.js';
import { fromPixels, type RawPixels } from './decode-once.js';

export const THUMB_WIDTHS = [240, 480, 720] as const;
/** Very tall art is cut to this many widths high (a strip 10× taller than wide is useless as a card). */
const MAX_TALL = 3;

export interface Thumbnail {
  width: number;
  height: number;
  bytes: Buffer;
}

/**
 * Thumbnails of already validated image bytes, smallest first; widths are distinct. `width` is the
 * oriented width when the caller has read it already (saves a second metadata read).
 */
export async function makeThumbnails(original: Buffer, opts: { maxPixels?: number; width?: number } = {}): Promise<Thumbnail[]> {
  const srcW = opts.width ?? (await orientedWidth(original));
  // one decode of the original, to the largest thumbnail's size; every width is encoded from those
  // pixels (decoding the original once per width cost ~2 ms more per image, for the same bytes)
  const top = topWidth(srcW);
  const { data, info } = await sharp(original, { limitInputPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS, pages: 1, page: 0 })
    .rotate()
    .resize(top, top * MAX_TALL, { fit: 'inside', withoutEnlargement: true })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return encodeWidths({ data, width: info.width, height: info.height, channels: info.channels }, widthsFor(srcW));
}

/**
 * The same thumbnails from the original already decoded at full size (oriented): the largest
 * thumbnail's pixels are then a resize of these, which is what makeThumbnails' own decode gives for the
 * originals decode-once.ts lets through (byte for byte: decode-once.test.ts).
 */
export async function thumbnailsOfPixels(full: RawPixels): Promise<Thumbnail[]> {
  const top = topWidth(full.width);
  const fits = full.width <= top && full.height <= top * MAX_TALL;
  const source = fits
    ? full
    : await fromPixels(full)
        .resize(top, top * MAX_TALL, { fit: 'inside', withoutEnlargement: true })
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true })
        .then(({ data, info }) => ({ data, width: info.width, height: info.height, channels: info.channels }));
  return encodeWidths(source, widthsFor(full.width));
}

const widthsFor = (srcW: number) => [...new Set(THUMB_WIDTHS.map((w) => Math.min(w, srcW)))];
const topWidth = (srcW: number) => Math.min(THUMB_WIDTHS[THUMB_WIDTHS.length - 1]!, srcW);

/** Each width encoded from the largest thumbnail's pixels. */
async function encodeWidths(source: RawPixels, widths: number[]): Promise<Thumbnail[]> {
  const out = await Promise.all(
    widths.map(async (w) => {
      const { data: bytes, info: o } = await fromPixels(source)
        .resize(w, w * MAX_TALL, { fit: 'inside', withoutEnlargement: true })
        // effort 2: a third less CPU per ingested image than libwebp's default 4, for ~2.5 % more bytes
        // (measured on the shared gallery: 22 vs 35 ms, 28.8 vs 28.1 KB for the three sizes)
        .webp({ quality: 78, effort: 2 })
        .toBuffer({ resolveWithObject: true });
      return { width: o.width, height: o.height, bytes };
    }),
  );
  // a tall image cut by MAX_TALL can make two targets land on one width
  const seen = new Set<number>();
  return out.filter((t) => !seen.has(t.width) && seen.add(t.width)).sort((a, b) => a.width - b.width);
}

async function orientedWidth(original: Buffer): Promise<number> {
  const meta = await sharp(original, { limitInputPixels: false, pages: 1 }).metadata();
  return ((meta.orientation ?? 1) >= 5 ? meta.height : meta.width) ?? THUMB_WIDTHS[0];
}

/** Which of the widths is the one-size thumbnail (thumb_url): the smallest that is at least 320 wide, else the largest. */
export function defaultThumbWidth(widths: number[]): number {
  const sorted = [...widths].sort((a, b) => a - b);
  return sorted.find((w) => w >= 320) ?? sorted[sorted.length - 1]!;
}
