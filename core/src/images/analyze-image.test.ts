import zlib from 'node:zlib';
import { describe, expect, test } from 'vitest';
import sharp from 'sharp';
import { analyzeImage, decodeImage, ImageRejectedError } from './analyze-image.js';
import { deserializeFeatures, serializeFeatures } from './feature-blob.js';

async function rejects(p: Promise<unknown>, code: ImageRejectedError['code']) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageRejectedError);
  expect((err as ImageRejectedError).code).toBe(code);
}

function gradient(w: number, h: number): Buffer {
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      raw[i] = (x * 255) / w;
      raw[i + 1] = (y * 255) / h;
      raw[i + 2] = Math.hypot(x - w / 3, y - h / 2) < Math.min(w, h) / 4 ? 230 : 40;
    }
  return raw;
}

const img = (w: number, h: number) => sharp(gradient(w, h), { raw: { width: w, height: h, channels: 3 } });

// node:zlib has CRC-32 (PNG's chunk checksum) since Node 20.15.
const crc32 = (b: Buffer): number => zlib.crc32(b);

describe('analyzeImage', () => {
  test('analyses a JPEG: content-detected type, sizes, pHash, WebP thumbnail, features', async () => {
    const bytes = await img(640, 480).jpeg().toBuffer();
    const a = await analyzeImage(bytes);
    expect(a).toMatchObject({ mime: 'image/jpeg', ext: 'jpg', width: 640, height: 480, bytes: bytes.length });
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.phash).toMatch(/^[01]{64}$/);
    expect(a.thumbnails.map((t) => [t.width, t.height])).toEqual([[240, 180], [480, 360], [640, 480]]);
    for (const th of a.thumbnails) {
      expect(th.bytes.subarray(8, 12).toString()).toBe('WEBP');
      const t = await sharp(th.bytes).metadata();
      expect([t.width, t.height]).toEqual([th.width, th.height]);
    }
    expect((await analyzeImage(bytes, { thumbnails: false })).thumbnails).toEqual([]);
    const round = deserializeFeatures(serializeFeatures(a.features));
    expect(round).toEqual(a.features);
    // deterministic
    expect((await analyzeImage(bytes)).features).toEqual(a.features);
  });

  test('rejects non-images, empty and truncated files', async () => {
    await rejects(analyzeImage(Buffer.from('hello, this is not an image at all')), 'unsupported_type');
    await rejects(analyzeImage(Buffer.alloc(0)), 'corrupt');
    const jpeg = await img(400, 300).jpeg().toBuffer();
    await rejects(analyzeImage(jpeg.subarray(0, Math.floor(jpeg.length / 2))), 'corrupt');
    const png = await img(400, 300).png().toBuffer();
    await rejects(analyzeImage(png.subarray(0, Math.floor(png.length / 2))), 'corrupt');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect width="100" height="100"/></svg>');
    await rejects(analyzeImage(svg), 'unsupported_type');
  });

  test('rejects decompression bombs from the header, before decoding', async () => {
    const png = await img(16, 16).png().toBuffer();
    // patch IHDR to claim 60000×60000 and fix its CRC
    const bomb = Buffer.from(png);
    bomb.writeUInt32BE(60000, 16);
    bomb.writeUInt32BE(60000, 20);
    bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29);
    const t = performance.now();
    await rejects(analyzeImage(bomb), 'too_many_pixels');
    expect(performance.now() - t).toBeLessThan(2000);
    await rejects(analyzeImage(await img(300, 300).png().toBuffer(), { maxPixels: 50_000 }), 'too_many_pixels');
    await rejects(analyzeImage(await img(300, 300).png().toBuffer(), { maxBytes: 100 }), 'too_large');
  });

  test('rejects tiny images', async () => {
    await rejects(analyzeImage(await img(1, 1).png().toBuffer()), 'too_small');
    await rejects(analyzeImage(await img(200, 10).png().toBuffer()), 'too_small');
  });

  test('animated GIF: first frame, frame size', async () => {
    const f1 = await img(64, 48).png().toBuffer();
    const f2 = await img(64, 48).rotate(180).png().toBuffer();
    const gif = await sharp([f1, f2], { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const a = await analyzeImage(gif);
    expect(a).toMatchObject({ mime: 'image/gif', ext: 'gif', width: 64, height: 48 });
    const d = async (b: Buffer) => {
      const x = await analyzeImage(b);
      return [...a.phash].filter((c, i) => c !== x.phash[i]).length;
    };
    expect(await d(f1)).toBeLessThan(await d(f2));
    expect(await d(f1)).toBeLessThanOrEqual(12);
  });

  test('CMYK JPEG and 16-bit PNG decode like their sRGB 8-bit versions', async () => {
    const base = await analyzeImage(await img(300, 200).png().toBuffer());
    const cmyk = await img(300, 200).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const a = await analyzeImage(cmyk);
    expect(a.mime).toBe('image/jpeg');
    expect(a).toMatchObject({ width: 300, height: 200 });
    // converted to sRGB (no ICC profile here, so only roughly): the red corner stays red
    const d = await decodeImage(cmyk);
    const i = (2 * d.rgb.width - 3) as number;
    expect(d.rgb.r[i]!).toBeGreaterThan(180);
    expect(d.rgb.g[i]!).toBeLessThan(60);
    void base;
    const png16 = await img(300, 200).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const b = await analyzeImage(png16);
    expect(b).toMatchObject({ mime: 'image/png', width: 300, height: 200 });
    expect([...b.phash].filter((c, i) => c !== base.phash[i]).length).toBeLessThanOrEqual(4);
  });

  test('applies EXIF orientation', async () => {
    const rotated = await img(120, 60).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const a = await analyzeImage(rotated);
    expect({ w: a.width, h: a.height }).toEqual({ w: 60, h: 120 });
    const upright = await analyzeImage(await img(120, 60).rotate(90).jpeg().toBuffer());
    expect([...a.phash].filter((c, i) => c !== upright.phash[i]).length).toBeLessThanOrEqual(6);
  });

  test('transparent PNG is flattened onto white; other formats are detected from content', async () => {
    const rgba = await sharp({ create: { width: 100, height: 100, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .composite([{ input: await img(50, 50).png().toBuffer(), left: 25, top: 25 }])
      .png()
      .toBuffer();
    const a = await analyzeImage(rgba);
    expect(a.mime).toBe('image/png');
    const webp = await analyzeImage(await img(100, 80).webp().toBuffer());
    expect(webp).toMatchObject({ mime: 'image/webp', ext: 'webp' });
    const tiff = await analyzeImage(await img(100, 80).tiff().toBuffer());
    expect(tiff).toMatchObject({ mime: 'image/tiff', ext: 'tiff' });
  });
});
