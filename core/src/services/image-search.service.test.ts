import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Db } from '../db/database.js';
import { createTestDb, testLogger } from '../testing/test-db.js';
import { createIngestService } from './ingest.service.js';
import { createImageSearchService, ImageRejectedError } from './image-search.service.js';
import { rng } from '../images/query-variants.js';
import { deserializeFeatures, serializeFeatures, signatureLength } from '../images/feature-blob.js';
import { FEATURES_VERSION } from '../images/feature-types.js';
import { WarmingUpError } from '../errors.js';
import { createImagePool } from '../images/image-pool.js';
import { searchResult } from '../api/search.js';
import { makeVariant } from '../images/query-variants.js';
import { StageTimings } from '../images/stage-timings.js';

/** A distinct synthetic "artwork": random coloured shapes on a gradient. */
async function artwork(seed: number, w = 480, h = 640): Promise<Buffer> {
  const r = rng(seed);
  const shapes: string[] = [];
  for (let i = 0; i < 14; i++) {
    const c = `rgb(${Math.floor(r() * 255)},${Math.floor(r() * 255)},${Math.floor(r() * 255)})`;
    if (r() < 0.5) shapes.push(`<circle cx="${r() * w}" cy="${r() * h}" r="${20 + r() * 120}" fill="${c}"/>`);
    else
      shapes.push(
        `<rect x="${r() * w}" y="${r() * h}" width="${30 + r() * 200}" height="${30 + r() * 200}" fill="${c}" transform="rotate(${r() * 60} ${w / 2} ${h / 2})"/>`,
      );
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="rgb(${Math.floor(r() * 255)},90,140)"/><stop offset="1" stop-color="rgb(30,${Math.floor(r() * 255)},200)"/></linearGradient></defs><rect width="${w}" height="${h}" fill="url(#g)"/>${shapes.join('')}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

describe('image search service (database-backed index)', () => {
  let db: Db;
  let dir: string;
  const images: Buffer[] = [];
  const ids: string[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-search-'));
    const ingest = createIngestService({ db, imagesDir: dir, logger: testLogger });
    for (let i = 0; i < 12; i++) {
      const bytes = await artwork(i + 1);
      images.push(bytes);
      const out = await ingest.ingestImage({ bytes, caption: `Name: Character ${i}\nAnime: Test Series` });
      ids.push(out.artworkId);
    }
  });
  afterAll(async () => {
    await db?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('exact bytes, edited copies, unknown pictures and bad input', async () => {
    const search = createImageSearchService({ db, imagesDir: dir, logger: testLogger, pollMs: 0 });
    await search.start();
    expect(search.stats().entries).toBe(12);

    const exact = await search.search(images[3]!);
    expect(exact.verdict).toBe('exact');
    expect(exact.matches[0]).toMatchObject({ stage: 'exact', distance: 0, artwork: { id: ids[3] } });
    expect(exact.matches[0]!.character.name).toBe('Character 3');
    expect(exact.matches[0]!.artwork.thumb_url).toMatch(/^\/images\//);
    expect(exact.query).toMatchObject({ width: 480, height: 640 });
    expect(exact.matches.length).toBeLessThanOrEqual(10);

    const mirrored = await sharp(images[5]!).flop().resize(300).jpeg({ quality: 40 }).toBuffer();
    const m = await search.search(mirrored);
    expect(m.verdict).toBe('match');
    expect(m.matches[0]!.artwork.id).toBe(ids[5]);
    // the evidence behind the verdict, for the UI to explain it
    expect(m.matches[0]!.evidence).toMatchObject({ occluded: 0 });
    expect(m.matches[0]!.evidence!.aligned).toBeGreaterThan(0.75);
    expect(exact.matches[0]!.evidence).toBeUndefined();

    const crop = await sharp(images[7]!).extract({ left: 48, top: 64, width: 384, height: 512 }).jpeg().toBuffer();
    const c = await search.search(crop);
    expect(c.matches[0]!.artwork.id).toBe(ids[7]);
    expect(['match', 'probable']).toContain(c.verdict);

    const unknown = await search.search(await artwork(999));
    expect(unknown.verdict === 'none' || unknown.verdict === 'probable').toBe(true);

    await expect(search.search(Buffer.from('not an image'))).rejects.toBeInstanceOf(ImageRejectedError);

    // every stage of a search is timed, in order, when asked (the Server-Timing header shows them)
    const timings = new StageTimings();
    await search.search(crop, { timings });
    expect(timings.stages.map((t) => t.name)).toEqual([
      'decode',
      'prepare',
      'variants',
      'yield',
      'candidates',
      'verify-load',
      'screen',
      'verify',
      'handover',
      'exact',
      'details',
    ]);
    expect(timings.stages.every((t) => t.ms >= 0 && t.cpuMs >= 0)).toBe(true);
    search.stop();
  });

  test('the evidence behind a verdict: occluded share of a caption, colour agreement, hue turn, in the API shape', async () => {
    const search = createImageSearchService({ db, imagesDir: dir, logger: testLogger, pollMs: 0 });
    await search.start();
    // a caption stamped over a small re-post, and a hue-filtered one
    const small = await sharp(images[2]!).resize(200).jpeg({ quality: 90 }).toBuffer();
    const captioned = await search.search(await makeVariant(small, 'text', 3));
    expect(() => searchResult.parse(captioned)).not.toThrow();
    expect(captioned.matches[0]!.artwork.id).toBe(ids[2]);
    const e = captioned.matches[0]!.evidence!;
    expect(e.occluded).toBeGreaterThan(0.02);
    expect(e.occluded).toBeLessThan(0.4);
    expect(e.colour).toBeGreaterThan(0.8);
    expect(e.aligned).toBeGreaterThan(0.8);

    const hue = await search.search(await makeVariant(images[9]!, 'hue'));
    expect(() => searchResult.parse(hue)).not.toThrow();
    expect(hue.verdict).toBe('match');
    expect(hue.matches[0]!.artwork.id).toBe(ids[9]);
    const h = hue.matches[0]!.evidence!;
    // the 25° hue filter turns every colour by about as much (CIELAB a*b*), and the colours agree after it
    expect(Math.abs(h.hue_shift!)).toBeGreaterThan(10);
    expect(Math.abs(h.hue_shift!)).toBeLessThan(35);
    expect(h.colour).toBeGreaterThan(0.8);
    expect(h.occluded).toBe(0);
    // … every colour, none left as it was, and no region drawn differently
    expect(h.unturned).toBeLessThanOrEqual(0.03);
    expect(h.structure_misfit).toBeLessThan(0.3);
    search.stop();
  });

  test('a second process sees inserts and deletes through the change log', async () => {
    const a = createImageSearchService({ db, imagesDir: dir, logger: testLogger, pollMs: 0 });
    await a.start();
    const before = a.stats().entries;
    const ingest = createIngestService({ db, imagesDir: dir, logger: testLogger });
    const bytes = await artwork(4242);
    const out = await ingest.ingestImage({ bytes, caption: 'Name: Newcomer\nAnime: Test Series' });
    await a.refresh();
    expect(a.stats().entries).toBe(before + 1);
    const edited = await sharp(bytes).resize(200).jpeg({ quality: 35 }).toBuffer();
    expect((await a.search(edited)).matches[0]!.artwork.id).toBe(out.artworkId);

    const { deleteCharacter } = await import('../repos/characters.repo.js');
    await deleteCharacter(db, out.characterId);
    await a.refresh();
    expect(a.stats().entries).toBe(before);
    expect((await a.search(edited)).matches.find((x) => x.artwork.id === out.artworkId)).toBeUndefined();
  });

  test('an insert by another connection reaches a running index within a second, by NOTIFY (no polling)', async () => {
    const b = createImageSearchService({ db, imagesDir: dir, logger: testLogger, pollMs: 0, backgroundReindex: false });
    await b.start();
    await new Promise((r) => setTimeout(r, 300)); // the listener connects
    const before = b.stats().entries;
    const ingest = createIngestService({ db, imagesDir: dir, logger: testLogger });
    const out = await ingest.ingestImage({ bytes: await artwork(777), caption: 'Name: Notified\nAnime: Test Series' });
    const t0 = Date.now();
    while (b.stats().entries === before && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(b.stats().entries).toBe(before + 1);
    expect(Date.now() - t0).toBeLessThan(1000);
    b.stop();
    const { deleteCharacter } = await import('../repos/characters.repo.js');
    await deleteCharacter(db, out.characterId);
  });

  test('until its index is loaded, image search says "warming up" (503, Retry-After) instead of waiting', async () => {
    const w = createImageSearchService({ db, imagesDir: dir, logger: testLogger, pollMs: 0, backgroundReindex: false });
    const err = await w.search(images[1]!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarmingUpError);
    expect(err).toMatchObject({ status: 503, code: 'warming_up' });
    expect((err as WarmingUpError).retryAfterSeconds).toBeGreaterThan(0);
    // that search started the build; start() resolves when it is over and searches answer
    await w.start();
    expect(w.stats()).toMatchObject({ ready: true, entries: ids.length });
    expect(w.stats().buildMs).not.toBeNull();
    expect((await w.search(images[1]!)).matches[0]!.artwork.id).toBe(ids[1]);
    w.stop();
  });

  test('the index lives in a worker thread: one that ends fails its searches with 503, and the next search rebuilds it', async () => {
    const s = createImageSearchService({ db, imagesDir: dir, logger: testLogger, pollMs: 0, backgroundReindex: false });
    await s.start();
    const first = s.indexWorker()!;
    expect(first.stats).toMatchObject({ count: ids.length });
    // searches at once interleave in the worker (each waits there for its verification images): each
    // answers as it does alone
    const edited = await Promise.all(
      [2, 5, 8].map((i) => sharp(images[i]!).resize(260).jpeg({ quality: 50 }).toBuffer()),
    );
    const shape = (r: Awaited<ReturnType<typeof s.search>>) => r.matches.map((m) => [m.artwork.id, m.score, m.verdict]);
    const alone: unknown[] = [];
    for (const b of edited) alone.push(shape(await s.search(b)));
    expect((await Promise.all(edited.map((b) => s.search(b)))).map(shape)).toEqual(alone);
    expect(alone.map((x) => (x as string[][])[0]![0])).toEqual([ids[2], ids[5], ids[8]]);
    // a search in flight when the thread goes (terminated here, as a crash would end it) answers 503, not a hang
    const inFlight = s.search(images[4]!);
    await first.close();
    await expect(inFlight).rejects.toBeInstanceOf(WarmingUpError);
    expect(s.stats().ready).toBe(false);
    // the next search says "warming up" and starts the rebuild; then searches answer from a new worker
    await expect(s.search(images[4]!)).rejects.toBeInstanceOf(WarmingUpError);
    await s.start();
    expect(s.indexWorker()).not.toBe(first);
    expect(s.stats()).toMatchObject({ ready: true, entries: ids.length });
    expect((await s.search(images[4]!)).matches[0]!.artwork.id).toBe(ids[4]);
    // bad input is still a clear rejection from the worker, with its code
    await expect(s.search(Buffer.from('not an image'))).rejects.toMatchObject({ code: 'unsupported_type' });
    s.stop();
    // a stopped service neither answers nor rebuilds
    await expect(s.search(images[4]!)).rejects.toBeInstanceOf(WarmingUpError);
    expect(s.indexWorker()).toBeNull();
  });

  test('the stored signature column is the index prefix of each features blob', async () => {
    const r = await db.query<{ features: Buffer; signature: Buffer }>(
      'SELECT features, signature FROM artwork_image_features',
    );
    expect(r.rows.length).toBeGreaterThan(0);
    for (const row of r.rows) {
      const f = deserializeFeatures(row.features);
      expect(row.signature.length).toBe(signatureLength(f.cropHashes.length));
      expect(row.signature.equals(serializeFeatures(f).subarray(0, row.signature.length))).toBe(true);
    }
  });

  test('stale signatures (older FEATURES_VERSION or missing) are recomputed in the background at start', async () => {
    // a row left by an older engine, and one whose signatures were never stored
    await db.query('UPDATE artwork_image_features SET algo_version = algo_version - 1 WHERE artwork_id = $1', [ids[2]]);
    await db.query('DELETE FROM artwork_image_features WHERE artwork_id = $1', [ids[9]]);
    // the caller's image pool does the decoding (a server passes its own: no second pool of workers)
    const pool = createImagePool({ threads: 1 });
    const s = createImageSearchService({
      db,
      imagesDir: dir,
      logger: testLogger,
      pollMs: 0,
      reindexLogEvery: 1,
      imagePool: pool,
    });
    await s.start();
    await s.reindexed();
    expect(s.stats().reindexing).toBe(false);
    expect(pool.stats().completed).toBe(2);
    await pool.close();
    for (const k of [2, 9]) {
      const edited = await sharp(images[k]!).resize(240).jpeg({ quality: 40 }).toBuffer();
      const r = await s.search(edited);
      expect(r.verdict).toBe('match');
      expect(r.matches[0]!.artwork.id).toBe(ids[k]);
    }
    const rows = await db.query('SELECT count(*)::int AS n FROM artwork_image_features WHERE algo_version = $1', [
      FEATURES_VERSION,
    ]);
    expect(rows.rows[0].n).toBe(ids.length);
    s.stop();
  });
});
