/**
 * Region evidence on real decoded pictures (generated artwork, so it runs without the shared gallery):
 * re-posts of one picture agree region by region, another character from the same template does not.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import sharp from 'sharp';
import { generateDemoImage } from './demo-images.js';
import { makeLookalike, makeVariant } from './query-variants.js';
import { labChroma, regionAgreement } from './region-agreement.js';
import type { RankedCandidate } from './rank-candidates.js';
import { lineArt, verifiedPictures } from '../testing/verified-pictures.js';
import { regionsAgree, THRESHOLDS } from './verdict-calibration.js';

let original: Buffer;
let donor: Buffer;
let textured: Buffer;

let candidateFor: (query: Buffer, id: string) => Promise<RankedCandidate>;
const topFor = (query: Buffer, id = 'original') => candidateFor(query, id);

beforeAll(async () => {
  original = await generateDemoImage(3, 'Aiko');
  donor = await generateDemoImage(11, 'Mina');
  textured = await lineArt(9);
  ({ candidateFor } = await verifiedPictures([
    ['original', original],
    ['other', await generateDemoImage(7, 'Rin')],
    ['textured', textured],
  ]));
});

describe('region agreement', () => {
  test('a hue-filtered re-post: one small turn of every colour, all cells agree', async () => {
    const top = await topFor(await makeVariant(original, 'hue'));
    expect(Math.abs(top.evidence.hueShift)).toBeGreaterThan(10);
    expect(Math.abs(top.evidence.hueShift)).toBeLessThan(35);
    // every cell turns with the picture: none on its own
    expect(top.evidence.cellTurn).toBeLessThan(THRESHOLDS.maxCellTurn);
    expect(regionsAgree(top.evidence)).toBe(true);
    expect(top.verdict).toBe('match');
  });

  test('caption lines over a small re-post are left out and reported as the occluded share', async () => {
    // at 150 px wide, a 12 px caption line covers a tenth of the picture's height
    const icon = await sharp(original).resize(150).jpeg({ quality: 90 }).toBuffer();
    const top = await topFor(await makeVariant(icon, 'text', 2));
    expect(top.evidence.occluded).toBeGreaterThan(0);
    expect(top.evidence.occluded).toBeLessThan(0.3);
    expect(top.verdict).toBe('match');
  });

  test('a recoloured region or swapped palette is another character: not a match', async () => {
    for (const kind of ['recolour', 'palette'] as const) {
      const q = await makeLookalike(original, kind, 5);
      expect(q, `${kind} trap built`).not.toBeNull();
      const top = await topFor(q!);
      expect(regionsAgree(top.evidence), kind).toBe(false);
      expect(top.verdict, kind).not.toBe('match');
    }
  });

  test('a changed face region is another character: not a match', async () => {
    const q = await makeLookalike(original, 'face', 5, donor);
    expect(q).not.toBeNull();
    const top = await topFor(q!);
    expect(top.evidence.toneMisfit).toBeGreaterThan(0.5);
    expect(top.verdict).not.toBe('match');
  });

  test('a sticker at a corner is a flat cover: left out and reported, the answer a question; further in it is not', async () => {
    const sticker = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="150" height="150"><rect width="150" height="150" rx="30" fill="#e0409a"/></svg>`);
    const top = await topFor(await sharp(textured).composite([{ input: sticker, left: 250, top: 0 }]).jpeg({ quality: 85 }).toBuffer(), 'textured');
    expect(top.evidence.covered).toBeGreaterThan(0.08);
    expect(top.evidence.occluded).toBeGreaterThanOrEqual(top.evidence.covered);
    expect(top.verdict).toBe('probable');
    // the same patch further in is not excused: it could be another character's plainer face
    const inner = await topFor(await sharp(textured).composite([{ input: sticker, left: 125, top: 125 }]).jpeg({ quality: 85 }).toBuffer(), 'textured');
    expect(inner.evidence.covered).toBe(0);
    expect(inner.verdict).toBe('none');
    // a plain re-post has no cover, and is a match
    const plain = await topFor(await makeVariant(textured, 'jpeg30'), 'textured');
    expect(plain.evidence.covered).toBe(0);
    expect(plain.verdict).toBe('match');
  });

  test('one region turned on its own by 40°: its cell turn gives it away where the misfit stays low', () => {
    // a textured grey picture with saturated colour; the copy has its top-left quarter's colours turned
    const w = 64, h = 64, cw = 32, ch = 32;
    const grey = { width: w, height: h, data: Float32Array.from({ length: w * h }, (_, i) => 110 + 40 * Math.sin(i % w) * Math.cos(Math.floor(i / w) / 3)) };
    const chroma = (turn: number) => {
      const data = new Int8Array(2 * cw * ch);
      for (let v = 0; v < ch; v++)
        for (let u = 0; u < cw; u++) {
          const hue = (u * 3 + v * 2) / 20 + (u < cw / 4 && v < ch / 4 ? (turn * Math.PI) / 180 : 0);
          data[v * cw + u] = Math.round(30 * Math.cos(hue));
          data[cw * ch + v * cw + u] = Math.round(30 * Math.sin(hue));
        }
      return { width: cw, height: ch, data };
    };
    const at = { x: 0, y: 0, sx: 1, sy: 1, bigWidth: w, bigHeight: h };
    const same = regionAgreement(grey, grey, grey, chroma(0), chroma(0), at);
    expect(same.cellTurn).toBeLessThan(2);
    const turned = regionAgreement(grey, grey, grey, chroma(40), chroma(0), at);
    expect(Math.abs(turned.hueShift)).toBeLessThan(THRESHOLDS.maxHueShift);
    expect(turned.colourMisfit).toBeLessThan(THRESHOLDS.maxColourMisfit);
    expect(turned.cellTurn).toBeGreaterThan(THRESHOLDS.maxCellTurn);
    expect(regionsAgree({ ...turned, toneMisfit: 0, occluded: 0 })).toBe(false);
  });

  test('CIELAB chroma of a grey picture is neutral', () => {
    const grey = { width: 4, height: 4, data: new Float32Array(16).fill(128) };
    const { a, b } = labChroma(grey, { width: 2, height: 2, data: new Int8Array(8) });
    for (const v of [...a, ...b]) expect(Math.abs(v)).toBeLessThan(0.5);
  });
});
