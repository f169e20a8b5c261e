/**
 * A tiny blurred stand-in of a thumbnail (a few hundred bytes), small enough for the server to inline into
 * the home page for every card of the first screen: the phone paints a picture for each from the HTML
 * alone, and the sharp thumbnail replaces it once loaded (issue 12, gallery visible on slow 4G).
 */
import sharp from 'sharp';

export const PLACEHOLDER_WIDTH = 32;

/** WebP bytes of `image` scaled to PLACEHOLDER_WIDTH wide (aspect ratio kept), lightly blurred so it reads as a placeholder. */
export async function makePlaceholder(image: Buffer): Promise<Buffer> {
  return sharp(image, { limitInputPixels: 4096 * 4096, pages: 1 })
    .resize(PLACEHOLDER_WIDTH, PLACEHOLDER_WIDTH * 3, { fit: 'inside', withoutEnlargement: true })
    .blur(0.6)
    .webp({ quality: 50, effort: 4 })
    .toBuffer();
}
