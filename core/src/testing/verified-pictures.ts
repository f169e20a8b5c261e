/**
 * Verifier tests' fixture: a few pictures in a search index with their verification images, and the
 * verified candidate a query gets for one of them (through the real decode, query variants and ranking).
 */
import sharp from 'sharp';
import { expect } from 'vitest';
import { decodeImage } from '../images/analyze-image.js';
import { computeFeatures } from '../images/compute-features.js';
import type { ImageFeatures } from '../images/feature-types.js';
import { prepareQuery } from '../images/prepare-query.js';
import { rng } from '../images/query-variants.js';
import { rankCandidates, type RankedCandidate } from '../images/rank-candidates.js';
import { SearchIndex } from '../images/search-index.js';

/** Line art in many colours over the whole picture (detail everywhere, unlike the smooth demo pictures). */
export function lineArt(seed: number): Promise<Buffer> {
  const r = rng(seed);
  const strokes = Array.from({ length: 160 }, () => {
    const [x, y] = [r() * 400, r() * 400];
    return `<line x1="${x}" y1="${y}" x2="${x + (r() - 0.5) * 120}" y2="${y + (r() - 0.5) * 120}" stroke="hsl(${Math.floor(r() * 360)},60%,${20 + Math.floor(r() * 50)}%)" stroke-width="${1 + Math.floor(r() * 4)}"/>`;
  }).join('');
  return sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><rect width="400" height="400" fill="#f3ead8"/>${strokes}</svg>`,
    ),
  )
    .png()
    .toBuffer();
}

/** Indexes `pictures` (id → bytes); `candidateFor` is a query's verified candidate for one of them. */
export async function verifiedPictures(pictures: readonly (readonly [string, Buffer])[]) {
  const index = new SearchIndex();
  const verify = new Map<number, ImageFeatures['verify']>();
  for (const [id, bytes] of pictures) {
    const f = computeFeatures((await decodeImage(bytes)).rgb);
    verify.set(index.upsert(id, id, f), f.verify);
  }
  const loadVerify = async (slots: number[]) =>
    new Map(slots.flatMap((s) => (verify.has(s) ? [[s, verify.get(s)!] as const] : [])));
  return {
    index,
    loadVerify,
    async candidateFor(query: Buffer, id: string): Promise<RankedCandidate> {
      const ranked = await rankCandidates(index, prepareQuery((await decodeImage(query)).rgb), loadVerify);
      const c = ranked.find((r) => r.artworkId === id);
      expect(c, 'the original is among the verified candidates').toBeDefined();
      return c!;
    },
  };
}
