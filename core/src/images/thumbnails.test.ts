import { describe, expect, test } from 'vitest';
import sharp from 'sharp';
import { analyzeImage } from './analyze-image.js';
import { makeThumbnails } from './thumbnails.js';

/** A picture with detail at every scale (rings and a gradient), so that a resampling change shows. */
function picture(w: number, h: number, channels: 3 | 4): Buffer {
  const raw = Buffer.alloc(w * h * channels);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * channels;
      const d = Math.hypot(x - w / 2, y - h / 2);
      raw[i] = (x * 255) / w;
      raw[i + 1] = 128 + 120 * Math.sin(d / 9);
      raw[i + 2] = (y * 255) / h;
      if (channels === 4) raw[i + 3] = x < w / 4 ? 0 : 255;
    }
  return raw;
}

/** Mean absolute difference per channel byte between an encoded image and the original resized straight to its size. */
async function differenceFromDirect(original: Buffer, encoded: Buffer): Promise<number> {
  const got = await sharp(encoded).ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const direct = await sharp(original).rotate().resize(got.info.width, got.info.height, { fit: 'fill' }).ensureAlpha().raw().toBuffer();
  expect(got.data.length).toBe(direct.length);
  let sum = 0;
  for (let i = 0; i < direct.length; i++) sum += Math.abs(got.data[i]! - direct[i]!);
  return sum / direct.length;
}

/** The same WebP made the plain way: the original decoded and resized straight to the thumbnail's size. */
const directWebp = (original: Buffer, w: number, h: number) =>
  sharp(original).rotate().resize(w, h, { fit: 'fill' }).webp({ quality: 78, effort: 2 }).toBuffer();

describe('makeThumbnails (one decode for every width)', () => {
  test('each width looks like the original resized straight to it, orientation and alpha kept', async () => {
    const jpeg = await sharp(picture(1600, 1000, 3), { raw: { width: 1600, height: 1000, channels: 3 } })
      .jpeg({ quality: 92 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const png = await sharp(picture(900, 600, 4), { raw: { width: 900, height: 600, channels: 4 } })
      .png()
      .toBuffer();
    const a = await analyzeImage(jpeg);
    expect(a.thumbnails.map((t) => [t.width, t.height])).toEqual([
      [240, 384],
      [480, 768],
      [720, 1152],
    ]);
    const p = await makeThumbnails(png);
    expect(p.map((t) => [t.width, t.height])).toEqual([
      [240, 160],
      [480, 320],
      [720, 480],
    ]);
    for (const t of p) expect((await sharp(t.bytes).metadata()).hasAlpha).toBe(true);
    // as close to the exact pixels as a WebP made straight from the original (a wrong orientation,
    // lost alpha or a blurring second resample would be far off), and about as many bytes
    for (const [orig, thumbs] of [
      [jpeg, a.thumbnails],
      [png, p],
    ] as const)
      for (const t of thumbs) {
        const plain = await directWebp(orig, t.width, t.height);
        expect(await differenceFromDirect(orig, t.bytes)).toBeLessThan((await differenceFromDirect(orig, plain)) + 0.5);
        expect(Math.abs(t.bytes.length / plain.length - 1)).toBeLessThan(0.05);
      }
  });

  test('very tall art is cut to three widths high, from the one decode as well', async () => {
    const tall = await sharp(picture(800, 4000, 3), { raw: { width: 800, height: 4000, channels: 3 } })
      .jpeg()
      .toBuffer();
    const t = await makeThumbnails(tall);
    expect(t.map((x) => [x.width, x.height])).toEqual([
      [144, 720],
      [288, 1440],
      [432, 2160],
    ]);
  });
});
