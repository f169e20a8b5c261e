/**
 * The one-decode ingest path against the straight decodes it replaces: the same stored features (those of
 * decodeImage, which queries use) and the same thumbnail bytes, for every type, size and orientation
 * decode-once.ts lets through, and for those it sends the straight way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import sharp from 'sharp';
import { analyzeImage, decodeImage, probeImage } from './analyze-image.js';
import { computeFeatures } from './compute-features.js';
import { decodesOnce } from './decode-once.js';
import { makeThumbnails } from './thumbnails.js';

const GALLERY = path.join(fileURLToPath(new URL('../../../', import.meta.url)), '../shared/images/gallery');

/** Detail at every scale (rings, gradients, a hard edge), so that any resampling difference shows. */
function picture(w: number, h: number, channels: 3 | 4): sharp.Sharp {
  const raw = Buffer.alloc(w * h * channels);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * channels;
      const d = Math.hypot(x - w / 3, y - h / 2);
      raw[i] = (x * 255) / w;
      raw[i + 1] = 128 + 120 * Math.sin(d / 7);
      raw[i + 2] = x > w / 2 ? 220 : (y * 255) / h;
      if (channels === 4) raw[i + 3] = x < w / 5 ? 0 : y < h / 6 ? 128 : 255;
    }
  return sharp(raw, { raw: { width: w, height: h, channels } });
}

const ENCODINGS: Record<string, (w: number, h: number) => Promise<Buffer>> = {
  jpeg: (w, h) => picture(w, h, 3).jpeg({ quality: 90 }).toBuffer(),
  png: (w, h) => picture(w, h, 3).png().toBuffer(),
  webp: (w, h) => picture(w, h, 3).webp({ quality: 90 }).toBuffer(),
  'png with alpha': (w, h) => picture(w, h, 4).png().toBuffer(),
  'grey jpeg': (w, h) => picture(w, h, 3).toColourspace('b-w').jpeg().toBuffer(),
  'cmyk jpeg': (w, h) => picture(w, h, 3).toColourspace('cmyk').jpeg().toBuffer(),
  'jpeg with a P3 profile': (w, h) => picture(w, h, 3).withIccProfile('p3').jpeg().toBuffer(),
  'jpeg rotated by EXIF': (w, h) => picture(w, h, 3).jpeg().withMetadata({ orientation: 6 }).toBuffer(),
  '16-bit png': (w, h) => picture(w, h, 3).toColourspace('rgb16').png().toBuffer(),
};

/** Around each limit: the working side (512), the largest thumbnail (720), twice the working side (1024). */
const SIZES: [number, number][] = [
  [120, 90],
  [512, 300],
  [300, 512],
  [513, 400],
  [700, 1000],
  [1024, 700],
  [1025, 600],
];

async function expectSameAsStraight(bytes: Buffer): Promise<boolean> {
  const [got, straight, thumbs, probe] = await Promise.all([
    analyzeImage(bytes),
    decodeImage(bytes),
    makeThumbnails(bytes),
    probeImage(bytes),
  ]);
  expect(got.features).toEqual(computeFeatures(straight.rgb));
  expect(got.thumbnails.map((t) => [t.width, t.height])).toEqual(thumbs.map((t) => [t.width, t.height]));
  for (const [i, t] of thumbs.entries()) expect(got.thumbnails[i]!.bytes.equals(t.bytes)).toBe(true);
  return decodesOnce(probe);
}

describe('one decode for the working copy and the thumbnails', () => {
  test.each(Object.keys(ENCODINGS))('%s: the features and thumbnails of the straight decodes, at every size', async (name) => {
    const once: string[] = [];
    for (const [w, h] of SIZES) if (await expectSameAsStraight(await ENCODINGS[name]!(w, h))) once.push(`${w}×${h}`);
    // the sizes that take the one decode (so that the comparison above is not only of the straight path)
    const expected: Record<string, string[]> = {
      jpeg: ['120×90', '512×300', '300×512', '513×400', '700×1000', '1024×700'],
      png: ['120×90', '512×300', '300×512', '513×400', '700×1000', '1024×700'],
      webp: ['120×90', '512×300', '300×512'],
      'png with alpha': ['120×90', '512×300', '300×512', '513×400', '700×1000', '1024×700'],
      'grey jpeg': ['120×90', '512×300', '300×512', '513×400', '700×1000', '1024×700'],
      'cmyk jpeg': ['120×90', '512×300', '300×512', '513×400', '700×1000', '1024×700'],
      'jpeg with a P3 profile': ['120×90', '512×300', '300×512', '513×400', '700×1000', '1024×700'],
      // oriented 90°: 512×300 is stored 300 wide, 512 high
      'jpeg rotated by EXIF': ['120×90', '512×300', '300×512'],
      '16-bit png': [],
    };
    expect(once).toEqual(expected[name]);
  });

  test('real artworks (the shared gallery, every size it has)', async (ctx) => {
    if (!fs.existsSync(GALLERY)) {
      console.log('decode-once: ../shared/images/gallery not found, skipped');
      return ctx.skip();
    }
    const files = fs
      .readdirSync(GALLERY)
      .filter((f) => f.endsWith('.jpg'))
      .sort();
    let once = 0;
    for (let i = 0; i < files.length; i += 25) once += Number(await expectSameAsStraight(fs.readFileSync(path.join(GALLERY, files[i]!))));
    expect(once).toBeGreaterThan(0);
  });
});
