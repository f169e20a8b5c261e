/**
 * Caption bands found in the query alone (generated artwork, so it runs without the shared gallery):
 * text stamped over a picture is found with the rows and columns it covers, drawing is not.
 */
import { describe, expect, test } from 'vitest';
import sharp from 'sharp';
import { decodeImage } from './analyze-image.js';
import { captionBands, paintOutBands, textLike } from './caption-lines.js';
import { generateDemoImage } from './demo-images.js';
import { prepareQuery } from './prepare-query.js';
import { greyOf } from './pixels.js';

/** The picture at 300 × 400 with an outlined tag (white, black outline) of `size` px whose baseline is at y. */
async function tagged(text: string, x: number, y: number, size: number, ...more: [string, number, number][]): Promise<Buffer> {
  const base = await sharp(await generateDemoImage(4, '')).resize(300, 400).png().toBuffer();
  const line = (t: string, tx: number, ty: number) =>
    `<text x="${tx}" y="${ty}" font-family="sans-serif" font-weight="bold" font-size="${size}" fill="#fff" stroke="#000" stroke-width="1.5">${t}</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="400">${[line(text, x, y), ...more.map((m) => line(...m))].join('')}</svg>`;
  return sharp(base).composite([{ input: Buffer.from(svg), left: 0, top: 0 }]).jpeg({ quality: 80 }).toBuffer();
}

const bandsOf = async (bytes: Buffer) => captionBands(greyOf((await decodeImage(bytes)).rgb));

describe('caption bands', () => {
  test('a picture without text has none', async () => {
    expect(await bandsOf(await sharp(await generateDemoImage(4, '')).resize(300, 400).jpeg({ quality: 80 }).toBuffer())).toBeNull();
  });

  test('a caption line across the picture is found on its rows', async () => {
    const bands = await bandsOf(await tagged('@anime_arts_channel', 10, 380, 22));
    expect(bands).toHaveLength(1);
    const [b] = bands!;
    // the glyphs sit between y ≈ 364 and 385 (baseline 380)
    expect(b!.y0).toBeGreaterThanOrEqual(360);
    expect(b!.y1).toBeLessThanOrEqual(390);
    expect(b!.x1 - b!.x0).toBeGreaterThan(150);
  });

  test('a short tag in a corner keeps only its columns', async () => {
    const bands = await bandsOf(await tagged('@waifu', 180, 40, 22));
    expect(bands).toHaveLength(1);
    expect(bands![0]!.x0).toBeGreaterThan(150);
    expect(bands![0]!.y1).toBeLessThan(60);
  });

  test('painting out changes the band only; the query gets a caption-free variant with its occluded share', async () => {
    const bytes = await tagged('@anime_arts_channel', 10, 200, 22);
    const { rgb } = await decodeImage(bytes);
    const bands = captionBands(greyOf(rgb))!;
    expect(bands).not.toBeNull();
    const out = paintOutBands(rgb, bands);
    const inBand = (x: number, y: number) => bands.some((b) => x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1);
    let changedOutside = 0;
    let changedInside = 0;
    for (let y = 0; y < rgb.height; y++)
      for (let x = 0; x < rgb.width; x++) {
        const i = y * rgb.width + x;
        if (out.r[i] !== rgb.r[i] || out.g[i] !== rgb.g[i] || out.b[i] !== rgb.b[i]) inBand(x, y) ? changedInside++ : changedOutside++;
      }
    expect(changedOutside).toBe(0);
    expect(changedInside).toBeGreaterThan(0);
    const variant = prepareQuery(rgb).variants.find((v) => v.name === 'uncaptioned');
    expect(variant?.hidden?.some((x) => x === 1)).toBe(true);
    expect(variant!.captionShare).toBeGreaterThan(0.02);
    expect(variant!.captionShare).toBeLessThan(0.2);
  });

  test('with a band further in (a dense drawing can read as one), the edge caption alone is also painted out', async () => {
    const { rgb } = await decodeImage(await tagged('@anime_arts_channel', 10, 395, 22, ['Who is this? /guess', 10, 190]));
    const bands = captionBands(greyOf(rgb))!;
    expect(bands).toHaveLength(2);
    const painted = prepareQuery(rgb).variants.filter((v) => v.name === 'uncaptioned' && v.hidden);
    expect(painted).toHaveLength(2);
    const [all, edge] = painted as [(typeof painted)[0], (typeof painted)[0]];
    // the edge-only variant hides nothing in the upper ¾ of the picture and reports the smaller share
    const { width: vw, height: vh } = edge.verify;
    expect(edge.hidden!.slice(0, Math.floor(vh * 0.75) * vw).some((x) => x === 1)).toBe(false);
    expect(all.hidden!.slice(0, Math.floor(vh * 0.75) * vw).some((x) => x === 1)).toBe(true);
    expect(edge.captionShare!).toBeLessThan(all.captionShare!);
    expect(edge.captionShare!).toBeGreaterThan(0.02);
  });

  test('a dense band drawn in the picture’s own colours further in is not painted out; an edge caption still is', async () => {
    // 2 px stripes of a brown line colour (grey ≈ 73) on a coloured light fill: as dense as glyph
    // strokes, but not in text colours (near-black ink or a colourless near-white fill)
    const stripes = Array.from({ length: 45 }, (_, i) => `<rect x="${60 + 4 * i}" y="176" width="2" height="14" fill="#6e3c28"/>`).join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="400"><rect x="60" y="176" width="180" height="14" fill="#fac878"/>${stripes}</svg>`;
    const base = await sharp(await tagged('@anime_arts_channel', 10, 395, 22)).composite([{ input: Buffer.from(svg), left: 0, top: 0 }]).png().toBuffer();
    const { rgb } = await decodeImage(base);
    const grey = greyOf(rgb);
    const bands = captionBands(grey)!;
    expect(bands).toHaveLength(2);
    const [drawn, caption] = [...bands].sort((a, b) => a.y0 - b.y0) as [(typeof bands)[0], (typeof bands)[0]];
    expect(textLike(rgb, grey, drawn)).toBe(false);
    expect(textLike(rgb, grey, caption)).toBe(true);
    const painted = prepareQuery(rgb).variants.filter((v) => v.name === 'uncaptioned' && v.hidden);
    expect(painted).toHaveLength(1);
    const { width: vw, height: vh } = painted[0]!.verify;
    expect(painted[0]!.hidden!.slice(0, Math.floor(vh * 0.75) * vw).some((x) => x === 1)).toBe(false);
    expect(painted[0]!.hidden!.some((x) => x === 1)).toBe(true);
  });
});
