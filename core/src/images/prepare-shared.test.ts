/**
 * Query preparation shared with the verify helper: the prepared query is prepareQuery()'s, variant for
 * variant and bit for bit, whichever thread made which job, and a helper that takes jobs and fails
 * leaves them to the preparing thread.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeImage, type DecodedImage } from './analyze-image.js';
import { prepareQuery } from './prepare-query.js';
import { prepareQueryShared } from './prepare-shared.js';
import { makeVariant, type VariantName } from './query-variants.js';
import { startVerifyHelper, type ClosableVerifyHelper } from './verify-helper.js';
import type { PrepareHelper } from './verify-work.js';
import { lineArt } from '../testing/verified-pictures.js';

const decoded: { name: string; d: DecodedImage }[] = [];
let helper: ClosableVerifyHelper;
const helperErrors: Error[] = [];

beforeAll(async () => {
  // a plain picture (one job), a trimmed one (raw variants too), captions, a screenshot (picture region)
  const kinds: VariantName[] = ['jpeg30', 'letterbox', 'text', 'screenshot', 'combo', 'crop_asym'];
  for (const [i, v] of kinds.entries()) decoded.push({ name: v, d: await decodeImage(await makeVariant(await lineArt(700 + i), v, i + 1)) });
  helper = startVerifyHelper((err) => helperErrors.push(err));
}, 60_000);

afterAll(() => helper?.close());

describe('query preparation shared with the verify helper', () => {
  test('every query is prepared exactly as on one thread, and the helper made some of the variants', { timeout: 120_000 }, async () => {
    let helped = 0;
    const counting: PrepareHelper = {
      prepare: async (queue, picture, jobs) => {
        const r = await helper.prepare(queue, picture, jobs);
        helped += r?.results.size ?? 0;
        return r;
      },
    };
    // the first calls start the thread; its answers come once it has loaded
    for (let i = 0; i < 300 && !helped; i++) {
      await prepareQueryShared(decoded[1]!.d.rgb, decoded[1]!.d.raw, counting);
      await new Promise((r) => setTimeout(r, 50));
    }
    helped = 0;
    for (const { name, d } of decoded) {
      for (let round = 0; round < 3; round++) expect(await prepareQueryShared(d.rgb, d.raw, counting), name).toEqual(prepareQuery(d.rgb));
    }
    expect(decoded.some(({ d }) => prepareQuery(d.rgb).variants.length > 2), 'some queries have several jobs').toBe(true);
    expect(helped, 'jobs made by the helper').toBeGreaterThan(0);
    expect(helperErrors).toEqual([]);
  });

  test('jobs a failing helper took are made by the preparing thread', async () => {
    const failing: PrepareHelper = { prepare: async (queue) => (queue.take(), queue.take(), null) };
    for (const { name, d } of decoded) expect(await prepareQueryShared(d.rgb, d.raw, failing), name).toEqual(prepareQuery(d.rgb));
  });
});
